// Search page, progressive enhancement: a ticked filter applies at once (without JavaScript the
// "Apply filters" button does it), and keyboard focus returns to that checkbox after the reload.
(function () {
  "use strict";
  var form = document.getElementById("search-form");
  if (!form || !form.requestSubmit) return;
  var KEY = "archive-search-focus";
  form.classList.add("js-autosubmit");
  form.addEventListener("change", function (event) {
    var input = event.target;
    if (input.type !== "checkbox") return;
    try { sessionStorage.setItem(KEY, input.name + "\n" + input.value); } catch (e) { /* private mode */ }
    form.requestSubmit();
  });
  var saved = null;
  try { saved = sessionStorage.getItem(KEY); sessionStorage.removeItem(KEY); } catch (e) { /* private mode */ }
  if (saved) {
    var parts = saved.split("\n");
    var inputs = form.querySelectorAll("input[type=checkbox]");
    for (var i = 0; i < inputs.length; i++) {
      if (inputs[i].name === parts[0] && inputs[i].value === parts[1]) {
        // Open every fold around it (the "more" list, and the Filters fold on phones).
        for (var d = inputs[i].closest("details"); d; d = d.parentElement.closest("details")) d.open = true;
        inputs[i].focus();
        break;
      }
    }
  }
})();
