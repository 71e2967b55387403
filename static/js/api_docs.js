/* Starts the vendored Swagger UI on the API docs page (templates/api/docs.html).
   A file, not an inline script: the site's Content-Security-Policy allows only these. */
"use strict";
(function () {
  var root = document.getElementById("swagger-ui");
  if (!root || !window.SwaggerUIBundle) {
    return;
  }
  window.ui = window.SwaggerUIBundle({
    url: root.dataset.schemaUrl,
    dom_id: "#swagger-ui",
    deepLinking: true,
    presets: [window.SwaggerUIBundle.presets.apis, window.SwaggerUIStandalonePreset],
    layout: "BaseLayout",
    // "Try it out" sends the key typed under "Authorize", never a cookie.
    withCredentials: false,
    persistAuthorization: false,
  });
})();
