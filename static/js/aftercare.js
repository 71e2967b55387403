/* Aftercare's only script of its own: the quick-exit control.
   Click "Quick exit" or press Esc twice: the session ends on the server, the
   screen is wiped, and the neutral site replaces this page in the history. */
(function () {
  "use strict";
  var body = document.body;
  var exitUrl = body.getAttribute("data-quick-exit-url") || "about:blank";
  var beaconUrl = body.getAttribute("data-quick-exit-beacon");
  var lastEscape = 0;

  function quickExit(event) {
    if (event) { event.preventDefault(); }
    if (beaconUrl && navigator.sendBeacon) { navigator.sendBeacon(beaconUrl); }
    document.title = "";
    body.innerHTML = "";
    window.location.replace(exitUrl);
  }

  document.querySelectorAll("[data-quick-exit]").forEach(function (link) {
    link.addEventListener("click", quickExit);
  });

  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") { return; }
    var now = Date.now();
    if (now - lastEscape < 1500) { quickExit(event); }
    lastEscape = now;
  });

  // A page restored from the back-forward cache must ask the server again.
  window.addEventListener("pageshow", function (event) {
    if (event.persisted) { window.location.reload(); }
  });
})();

/* Print buttons (no inline handlers: the CSP forbids them). */
document.querySelectorAll("[data-print]").forEach(function (button) {
  button.addEventListener("click", function () { window.print(); });
});
