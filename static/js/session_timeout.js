/* The time-out warning (GOV.UK pattern): two minutes before the session's idle limit a
   dialog offers "Stay signed in"; at the limit the page is replaced by the sign-in page,
   so nothing stays on screen. The clock restarts whenever the server was reached: this
   page's load, an autosave ("aftercare:server-contact"), or "Stay signed in". */
(function () {
  "use strict";
  var body = document.body;
  var idle = parseInt(body.getAttribute("data-session-idle-seconds") || "0", 10);
  var dialog = document.getElementById("session-timeout");
  if (!idle || !dialog || typeof dialog.showModal !== "function") { return; }
  var lead = Math.min(120, Math.floor(idle / 2));
  var warnTimer = null;
  var endTimer = null;

  function csrfToken() {
    try { return JSON.parse(body.getAttribute("hx-headers") || "{}")["X-CSRFToken"] || ""; }
    catch (error) { return ""; }
  }

  function schedule() {
    clearTimeout(warnTimer);
    clearTimeout(endTimer);
    warnTimer = setTimeout(warn, (idle - lead) * 1000);
    endTimer = setTimeout(signOut, idle * 1000);
  }

  function warn() {
    if (!dialog.open) { dialog.showModal(); }
    dialog.querySelector("[data-session-extend]").focus();
  }

  function signOut() {
    window.location.assign(body.getAttribute("data-session-signed-out-url"));
  }

  dialog.querySelector("[data-session-extend]").addEventListener("click", function () {
    fetch(body.getAttribute("data-session-extend-url"), {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrfToken(), "Accept": "application/json" }
    }).then(function (response) {
      if (!response.ok) { signOut(); return; }
      dialog.close();
      schedule();
    }).catch(signOut);
  });
  // Esc closes a dialog without an answer: that is not "stay signed in".
  dialog.addEventListener("cancel", function (event) { event.preventDefault(); });
  document.addEventListener("aftercare:server-contact", schedule);
  schedule();
})();
