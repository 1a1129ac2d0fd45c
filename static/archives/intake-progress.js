// Import progress: polls the job's JSON status every two seconds, moves the bar and
// reloads the page when the job is finished. Without JavaScript the page offers a
// "check again" link instead (a timed meta refresh would fail WCAG 2.2.1).
(function () {
  "use strict";
  var bar = document.getElementById("import-progress");
  if (!bar) { return; }
  var url = bar.getAttribute("data-status-url");
  var label = document.getElementById("import-progress-value");
  function poll() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (status) {
        if (!status) { return; }
        bar.value = status.percent;
        if (label) { label.textContent = status.percent + "%"; }
        if (status.finished) { window.location.reload(); } else { window.setTimeout(poll, 2000); }
      })
      .catch(function () { window.setTimeout(poll, 5000); });
  }
  window.setTimeout(poll, 2000);
})();
