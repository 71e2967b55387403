/* Forms: after a form comes back with errors, focus moves to the summary at its top
   (GOV.UK's error summary), so a screen reader reads what to fix and a keyboard user
   starts from there. A link of the summary puts focus in the field it names. */
(function () {
  "use strict";
  var summary = document.querySelector("[data-error-summary]");
  if (!summary) { return; }
  summary.focus();
  summary.addEventListener("click", function (event) {
    var link = event.target.closest("a[href^='#']");
    if (!link) { return; }
    var field = document.getElementById(link.getAttribute("href").slice(1));
    if (!field) { return; }
    event.preventDefault();
    var details = field.closest("details");
    if (details) { details.open = true; }
    var holder = field.closest(".usa-form-group, .field") || field;
    holder.scrollIntoView();
    field.focus({ preventScroll: true });
  });
})();
