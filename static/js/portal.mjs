// Starts GOV.UK Frontend's components (error summary focus, skip link, notification
// banners, service navigation toggle, character counts, double-click protection) on every
// page. A module file, not an inline script: the CSP allows scripts from 'self' only.
import { initAll } from "../vendor/govuk-frontend/govuk-frontend.min.js";

document.body.classList.add("js-enabled", "govuk-frontend-supported");
// GOV.UK Frontend reports a component that fails to start with console.log, where nobody
// sees it (the phone menu once stayed hidden that way). Report it as an error, so the
// browser tests, which fail on any console error, catch it.
initAll({ onError: (error) => console.error(error) });
