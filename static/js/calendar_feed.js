/* The calendar page's "Copy address" button. Without this script the button stays
   hidden and the address sits in a read-only field that can be selected and copied. */
(function () {
  "use strict";

  function say(field, key) {
    var status = field.querySelector("[data-copy-status]");
    if (status) { status.textContent = status.getAttribute(key); }
  }

  function copyByHand(input) {
    input.focus();
    input.select();
    try { return document.execCommand("copy"); } catch (error) { return false; }
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-copy-from]").forEach(function (button) {
      var input = document.getElementById(button.getAttribute("data-copy-from"));
      var field = button.closest("[data-copy-field]");
      if (!input || !field) { return; }
      button.hidden = false;
      input.addEventListener("focus", function () { input.select(); });
      button.addEventListener("click", function () {
        if (navigator.clipboard && window.isSecureContext) {
          navigator.clipboard.writeText(input.value).then(
            function () { say(field, "data-copied"); },
            function () { say(field, copyByHand(input) ? "data-copied" : "data-failed"); }
          );
        } else {
          say(field, copyByHand(input) ? "data-copied" : "data-failed");
        }
      });
    });
  });
}());
