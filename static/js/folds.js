// Side by side folds runs of turns that only one translation has. A link to a turn inside a fold
// (#q-<key>) opens it, on load and when the address's fragment changes.
(function () {
  "use strict";
  function reveal() {
    var id = decodeURIComponent(window.location.hash.slice(1));
    var target = id && document.getElementById(id);
    if (!target) return;
    var fold = target.closest("details");
    if (!fold) return;
    for (var d = fold; d; d = d.parentElement.closest("details")) d.open = true;
    // The browser scrolled (or failed to) before the fold opened: scroll again, now it has a place.
    target.scrollIntoView();
  }
  reveal();
  window.addEventListener("hashchange", reveal);
})();
