// Folds (<details>): two small helpers, on every page (base.html).
(function () {
  "use strict";
  // Folds of metadata (<details class="fold">) are closed on phones and shown beside the reading
  // on wide screens, where the stylesheet makes a closed fold's content visible
  // (::details-content). Open them in the document too on wide screens, so that assistive
  // technology and accessibility audits see what sighted readers see: content that can be
  // reached, in a region that scrolls with the keyboard. Without this script the stylesheet alone
  // still shows the content.
  var wide = window.matchMedia("(min-width: 62rem)");
  function openOnWideScreens() {
    if (!wide.matches) return;
    // The transcript's strip (.strip-fold) folds the same way.
    document.querySelectorAll("details.fold:not([open]), details.strip-fold:not([open])").forEach(function (fold) {
      fold.open = true;
    });
  }
  openOnWideScreens();
  wide.addEventListener("change", openOnWideScreens);

  // Side by side folds runs of turns that only one translation has. A link to a turn inside a
  // fold (#q-<key>) opens it, on load and when the address's fragment changes.
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
