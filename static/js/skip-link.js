// The skip link moves keyboard focus to <main>. <main> is focusable only for that moment: with a
// permanent tabindex="-1" every click inside the content focused <main>, and the next Tab went
// back to the top of the content instead of to the link after the click.
// Without this script the link still works: following #main moves the browser's sequential
// focus starting point there, so Tab continues inside the content.
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var link = event.target.closest ? event.target.closest("a.skip-link") : null;
    var target = link && document.getElementById(link.hash.slice(1));
    if (!target) return;
    event.preventDefault();
    target.setAttribute("tabindex", "-1");
    target.focus();
    target.addEventListener(
      "blur",
      function () {
        target.removeAttribute("tabindex");
      },
      { once: true }
    );
  });
})();
