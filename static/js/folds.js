// Folds (<details class="fold">) are closed on phones and shown beside the reading on wide
// screens, where the stylesheet makes a closed fold's content visible (::details-content). Open
// them in the document too on wide screens, so that assistive technology and accessibility
// audits see what sighted readers see: content that can be reached, in a region that scrolls
// with the keyboard. Without this script the stylesheet alone still shows the content.
(function () {
  "use strict";
  var wide = window.matchMedia("(min-width: 62rem)");
  function openOnWideScreens() {
    if (!wide.matches) return;
    document.querySelectorAll("details.fold:not([open])").forEach(function (fold) {
      fold.open = true;
    });
  }
  openOnWideScreens();
  wide.addEventListener("change", openOnWideScreens);
})();
