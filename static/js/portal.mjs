// Starts GOV.UK Frontend's components (error summary focus, skip link, notification
// banners, service navigation toggle, character counts, double-click protection) on every
// page, and the portal's own small behaviours below. A module file, not an inline script:
// the CSP allows scripts from 'self' only.
import { initAll } from "../vendor/govuk-frontend/govuk-frontend.min.js";

document.body.classList.add("js-enabled", "govuk-frontend-supported");
// GOV.UK Frontend reports a component that fails to start with console.log, where nobody
// sees it (the phone menu once stayed hidden that way). Report it as an error, so the
// browser tests, which fail on any console error, catch it.
initAll({ onError: (error) => console.error(error) });

// --- Tables scroll inside their own box on narrow screens ---------------------------
// A wide table (the six-column record table, the query log) would otherwise squeeze
// names to one character per line or push the page sideways. Each table gets a wrapper
// that scrolls; when it does scroll it becomes a labelled, focusable region so keyboard
// users can scroll it too (WCAG 2.1.1; axe's scrollable-region-focusable). Short cells
// (names, dates, ID numbers, states) do not wrap: they are read as one piece. A short
// cell of plain text in several pieces (a date and its time) may break between its
// pieces, never inside one. Longer Chinese text, an organisation's name among it, wraps
// as any text does. Before, a company's name and a timestamp each held on one line
// pushed the citizen's and the institution's query logs past a desktop screen's width,
// and their last column (granted or refused) out of sight behind a sideways scroll.
const SHORT_CJK = 8;
const SHORT_OTHER = 24;
const CJK = /[\u3400-\u9fff]/;

function keepPiecesWhole(cell) {
  const pieces = cell.textContent.trim().split(/\s+/);
  if (pieces.length < 2 || [...cell.childNodes].some((node) => node.nodeType !== Node.TEXT_NODE)) return false;
  cell.replaceChildren(...pieces.flatMap((piece, index) => {
    const span = document.createElement("span");
    span.className = "portal-table__piece";
    span.textContent = piece;
    return index ? [" ", span] : [span];
  }));
  return true;
}

function tableLabel(table) {
  const caption = table.querySelector("caption");
  if (caption && caption.textContent.trim()) return caption.textContent.trim();
  let previous = table.parentElement.previousElementSibling;
  while (previous && !/^H[1-6]$/.test(previous.tagName)) previous = previous.previousElementSibling;
  if (previous) return previous.textContent.trim();
  return document.body.dataset.tableLabel || "";
}

// A table that scrolls gets a line above it saying so: on a phone nothing else shows that
// columns lie out of sight to the right (the query log's last column, granted or refused,
// is the one that matters), and a person who does not know to swipe never sees them.
const scrollHint = document.body.dataset.tableScrollHint || "";
const hints = new Map();

const wrappers = [];
for (const table of document.querySelectorAll("table.govuk-table")) {
  if (table.parentElement.classList.contains("portal-table-wrapper")) continue;
  const wrapper = document.createElement("div");
  wrapper.className = "portal-table-wrapper";
  table.parentElement.insertBefore(wrapper, table);
  wrapper.appendChild(table);
  if (scrollHint) {
    const hint = document.createElement("p");
    hint.className = "govuk-body-s portal-table-hint";
    hint.textContent = scrollHint;
    hint.hidden = true;
    hint.id = `portal-table-hint-${hints.size + 1}`;
    wrapper.parentElement.insertBefore(hint, wrapper);
    hints.set(wrapper, hint);
  }
  // Column headings wrap as labels do; the cells under them decide the column's width.
  for (const cell of table.querySelectorAll("tbody th, td")) {
    const text = cell.textContent.trim();
    if (text.length > (CJK.test(text) ? SHORT_CJK : SHORT_OTHER)) continue;
    cell.classList.add(keepPiecesWhole(cell) ? "portal-table__cell--pieces" : "portal-table__cell--short");
  }
  wrappers.push(wrapper);
}

function markScrollable() {
  for (const wrapper of wrappers) {
    // The same test axe makes: any overflow at all makes the box scrollable.
    const scrolls = wrapper.scrollWidth > wrapper.clientWidth;
    const hint = hints.get(wrapper);
    if (hint) hint.hidden = !scrolls;
    if (scrolls && !wrapper.hasAttribute("tabindex")) {
      wrapper.setAttribute("tabindex", "0");
      wrapper.setAttribute("role", "region");
      wrapper.setAttribute("aria-label", tableLabel(wrapper.firstElementChild));
      // Read out when the region gets focus, too.
      if (hint) wrapper.setAttribute("aria-describedby", hint.id);
    } else if (!scrolls && wrapper.hasAttribute("tabindex")) {
      wrapper.removeAttribute("tabindex");
      wrapper.removeAttribute("role");
      wrapper.removeAttribute("aria-label");
      wrapper.removeAttribute("aria-describedby");
    }
  }
}
markScrollable();
window.addEventListener("resize", markScrollable);
// A table also starts or stops overflowing without a window resize: a web font or an image
// arriving late, elderly mode switching the font size. Watching each box and its table
// catches those too.
if ("ResizeObserver" in window) {
  const observer = new ResizeObserver(markScrollable);
  for (const wrapper of wrappers) {
    observer.observe(wrapper);
    observer.observe(wrapper.firstElementChild);
  }
}

// --- No sign-out while someone is typing ------------------------------------------------
// Sessions end after 30 idle minutes. Typing into a form does not reach the server, so a
// slow, careful typist (MIIT's 适老化 rules: no time limits shorter than 20 minutes while
// typing) would lose the form. While anyone types, the session is renewed at most every
// five minutes.
const keepAliveUrl = document.body.dataset.keepAliveUrl;
const KEEP_ALIVE_EVERY_MS = 5 * 60 * 1000;
let lastKeepAlive = Date.now();

if (keepAliveUrl) {
  document.addEventListener("input", (event) => {
    const form = event.target.closest ? event.target.closest("form[method='post'], form[method='POST']") : null;
    if (!form || Date.now() - lastKeepAlive < KEEP_ALIVE_EVERY_MS) return;
    const token = form.querySelector("input[name='csrfmiddlewaretoken']");
    if (!token) return;
    lastKeepAlive = Date.now();
    fetch(keepAliveUrl, {
      method: "POST",
      headers: { "X-CSRFToken": token.value },
      credentials: "same-origin",
    }).catch(() => {});
  });
}
