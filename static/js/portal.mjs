// Starts GOV.UK Frontend's components (error summary focus, skip link, notification
// banners, service navigation toggle, double-click protection) on every page.
// A module file, not an inline script: the CSP allows scripts from 'self' only.
import { initAll } from "../vendor/govuk-frontend/govuk-frontend.min.js";

document.body.classList.add("js-enabled", "govuk-frontend-supported");
initAll();
