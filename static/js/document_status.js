/* Where a document's generation stands, kept current without reloading the page.
   Asks the server every few seconds while the PDF is queued or rendering, more slowly
   once the server says the document service did not answer, and stops when it is ready
   or failed. The live region stays in place and only its words change, and only when
   they change, so a screen reader announces each step once. Without this script the
   page shows a "Check again" link instead. */
(function () {
  "use strict";
  var section = document.getElementById("document-progress");
  if (!section || !window.fetch || !window.DOMParser) { return; }
  var url = section.getAttribute("data-status-url");
  var WAITING = { queued: 2000, rendering: 2000, stalled: 10000 };
  var GIVE_UP_AFTER = 30 * 60 * 1000;  // a tab left open overnight stops asking
  var started = Date.now();

  function hideFallbackLinks(root) {
    root.querySelectorAll("[data-without-script]").forEach(function (el) { el.hidden = true; });
  }

  function adopt(target, source) {
    target.replaceChildren.apply(target, Array.prototype.map.call(
      source.childNodes, function (node) { return document.importNode(node, true); }));
  }

  function apply(html) {
    var fresh = new DOMParser().parseFromString(html, "text/html");
    var next = fresh.getElementById("document-progress");
    if (!next) { return section.getAttribute("data-progress"); }
    var progress = next.getAttribute("data-progress");
    var region = document.getElementById("document-status");
    var words = fresh.getElementById("document-status");
    if (region && words && region.textContent.trim() !== words.textContent.trim()) {
      adopt(region, words);
    }
    if (progress !== section.getAttribute("data-progress")) {
      var actions = document.getElementById("document-status-actions");
      var nextActions = fresh.getElementById("document-status-actions");
      if (actions && nextActions) { adopt(actions, nextActions); hideFallbackLinks(actions); }
      section.setAttribute("data-progress", progress);
    }
    return progress;
  }

  function poll() {
    fetch(url, { credentials: "same-origin", cache: "no-store",
                 headers: { "Accept": "text/html" } })
      .then(function (response) {
        if (!response.ok) { throw new Error(String(response.status)); }
        return response.text();
      })
      .then(function (html) { schedule(apply(html)); })
      // The web server itself did not answer: ask again, more slowly.
      .catch(function () { schedule("stalled"); });
  }

  function schedule(progress) {
    var wait = WAITING[progress];
    if (wait && Date.now() - started < GIVE_UP_AFTER) { window.setTimeout(poll, wait); }
  }

  hideFallbackLinks(section);
  schedule(section.getAttribute("data-progress"));
})();
