/* One click, one submission. A form on its way to the server is not sent again from
   this page: its buttons turn disabled and a second click or Enter does nothing. The
   server refuses duplicates anyway (each create form carries a one-time token); this
   spares the second request and the doubt. A form the browser refused to send (a
   required field left empty) never gets here: the browser fires "submit" only for a
   form that passed its checks. */
(function () {
  "use strict";
  var SENDING = "data-sending";

  function submitButtons(form) {
    return Array.prototype.filter.call(form.elements, function (element) {
      return element.type === "submit" || element.type === "image";
    });
  }

  function release(form) {
    form.removeAttribute(SENDING);
    form.removeAttribute("aria-busy");
    submitButtons(form).forEach(function (button) { button.disabled = false; });
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement) || form.method !== "post") { return; }
    // Another handler took the submission over (htmx sends it itself and stays here).
    if (event.defaultPrevented) { return; }
    if (form.hasAttribute(SENDING)) {
      event.preventDefault();
      return;
    }
    form.setAttribute(SENDING, "");
    form.setAttribute("aria-busy", "true");
    // Disabled once this event is over: a submit button disabled now would be left
    // out of what is sent (and with it its name and value, such as "generate").
    window.setTimeout(function () {
      submitButtons(form).forEach(function (button) { button.disabled = true; });
    }, 0);
  });

  // Back to this page through the history: its forms may be used again.
  window.addEventListener("pageshow", function () {
    document.querySelectorAll("form[" + SENDING + "]").forEach(release);
  });
})();
