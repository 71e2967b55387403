/* Intake autosave: a form with data-autosave="URL" is saved a moment after each change
   (debounced), with the X-Autosave header. The answer is JSON, and only its message is
   shown, as text, in the form's status line: never a page inside the page. One save at
   a time: a save asked for while one is on its way follows it, so an older save never
   lands after a newer one. On the first intake step the first save makes the draft: its
   answer gives the draft's address, where the page then saves and continues. */
(function () {
  "use strict";
  document.querySelectorAll("form[data-autosave]").forEach(function (form) {
    var status = form.querySelector("[data-autosave-status]");
    var delay = parseInt(form.getAttribute("data-autosave-delay") || "800", 10);
    var timer = null;
    var lastSaved = null;
    var sending = false;
    var again = false;
    var submitWhenDone = false;

    function show(text) { if (status && text) { status.textContent = text; } }

    function answered(response, answer) {
      if (answer && answer.saved) {
        lastSaved = answer.saved_at;
        if (answer.draft_url) {
          form.setAttribute("data-autosave", answer.draft_url);
          form.setAttribute("action", answer.draft_url);
          window.history.replaceState(null, "", answer.draft_url);
        }
        show(answer.message);
        document.dispatchEvent(new CustomEvent("aftercare:server-contact"));
      } else if (answer && answer.signed_out) {
        // The server knows the time of its last save in this session; else this page's.
        var message = answer.message;
        if (!answer.saved_at && lastSaved) {
          message = form.getAttribute("data-autosave-signed-out").replace("%(time)s", lastSaved);
        }
        show(message);
      } else if (answer && answer.message) {
        show(answer.message);  // not saved yet, and why
      } else {
        show(form.getAttribute("data-autosave-failed"));
      }
    }

    function done() {
      sending = false;
      if (submitWhenDone) { submitWhenDone = false; form.submit(); return; }
      if (again) { again = false; save(); }
    }

    function save() {
      timer = null;
      if (sending) { again = true; return; }
      sending = true;
      fetch(form.getAttribute("data-autosave"), {
        method: "POST",
        body: new FormData(form),
        credentials: "same-origin",
        headers: { "X-Autosave": "1", "Accept": "application/json" }
      }).then(function (response) {
        return response.json().catch(function () { return null; }).then(function (answer) {
          answered(response, answer);
        });
      }).catch(function () {
        show(form.getAttribute("data-autosave-failed"));
      }).then(done);
    }

    function later() {
      clearTimeout(timer);
      timer = setTimeout(save, delay);
    }

    form.addEventListener("input", later);
    form.addEventListener("change", later);
    form.addEventListener("submit", function (event) {
      clearTimeout(timer);
      timer = null;
      // Sent where the save on its way says (the draft it may be making), once it is back.
      if (sending) { event.preventDefault(); again = false; submitWhenDone = true; }
    });
  });
})();
