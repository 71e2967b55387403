"""The API's schema and its documentation page, served by the app itself.

The stock Swagger UI page of drf-spectacular starts the UI with an inline script, which
the site's Content-Security-Policy refuses; this page loads the vendored Swagger UI
(drf-spectacular-sidecar) and starts it from a static file, `static/js/api_docs.js`.
Nothing is loaded from elsewhere.
"""

from __future__ import annotations

from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_safe
from drf_spectacular.views import SpectacularAPIView


class SchemaView(SpectacularAPIView):
    """The OpenAPI 3 document. Public: it describes the API, and holds no data."""

    authentication_classes = ()
    permission_classes = ()
    throttle_classes = ()
    required_scopes: dict = {}


@require_safe
def docs_page(request):
    return render(request, "api/docs.html", {"schema_url": reverse("api:schema")})
