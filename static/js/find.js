// A transcript's find results, progressive enhancement: Escape returns to the plain page (as the
// "Clear the find" link does), n and p go to the next and previous match.
(function () {
  "use strict";
  var panel = document.getElementById("find-results");
  if (!panel) return;
  var links = panel.querySelectorAll(".find-matches a");
  var current = -1;
  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || event.defaultPrevented) return;
    var typing = event.target.closest && event.target.closest("input, textarea, select, [contenteditable]");
    if (event.key === "Escape" && (!typing || event.target.id === "find-q")) {
      window.location.href = panel.getAttribute("data-clear-url");
    } else if (!typing && links.length && (event.key === "n" || event.key === "p")) {
      current = event.key === "n" ? Math.min(current + 1, links.length - 1) : Math.max(current - 1, 0);
      links[current].focus();
    }
  });
})();
