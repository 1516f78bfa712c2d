// Side by side folds runs of turns that only one translation has. A link to a turn inside a fold
// (#q-<key>) opens it, on load and when the address's fragment changes.
(function () {
  "use strict";
  function reveal() {
    var id = decodeURIComponent(window.location.hash.slice(1));
    var target = id && document.getElementById(id);
    if (!target) return;
    var opened = false;
    for (var d = target.closest("details"); d; d = d.parentElement.closest("details")) {
      if (!d.open) { d.open = true; opened = true; }
    }
    if (opened) target.scrollIntoView();
  }
  reveal();
  window.addEventListener("hashchange", reveal);
})();
