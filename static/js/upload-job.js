// The upload's progress page: asks for the job's state every second and shows it, then opens the
// result page once the transcript is written (or reloads to show the error). Without this script
// the page reloads itself (a <meta http-equiv="refresh"> inside <noscript>).
(function () {
  "use strict";
  var root = document.querySelector("[data-progress-url]");
  if (!root) return;
  var text = root.querySelector("[data-job-text]");
  var bar = root.querySelector("[data-job-progress]");
  var elapsed = root.querySelector("[data-job-elapsed]");

  function show(state) {
    if (state.status === "done" && state.done_url) {
      window.location.assign(state.done_url);
      return false;
    }
    if (state.status === "failed") {
      window.location.reload();
      return false;
    }
    if (text && text.textContent !== state.text) text.textContent = state.text;
    if (bar) {
      if (state.total) {
        bar.max = state.total;
        bar.value = state.done;
      } else {
        bar.removeAttribute("value"); // indeterminate while parsing or queued
      }
    }
    if (elapsed) elapsed.textContent = state.elapsed_text;
    return true;
  }

  function poll() {
    fetch(root.dataset.progressUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) throw new Error(response.status);
        return response.json();
      })
      .then(function (state) {
        if (show(state)) window.setTimeout(poll, 1000);
      })
      .catch(function () {
        window.setTimeout(poll, 3000); // a restart of the site: try again a little later
      });
  }
  window.setTimeout(poll, 1000);
})();
