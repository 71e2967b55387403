import logging

from django.conf import settings
from django.http import HttpRequest, HttpResponseServerError
from django.template import loader
from django.utils.translation import get_language, get_language_bidi
from django.views.debug import SafeExceptionReporterFilter
from django.views.decorators.csrf import requires_csrf_token


class NoLocalsExceptionReporterFilter(SafeExceptionReporterFilter):
    """Error reports never list local variables: they can hold decrypted personal data."""

    def get_traceback_frame_variables(self, request, tb_frame):
        return []

    def get_post_parameters(self, request):
        return {}


# The page shown when the server fails: styled, translated, with Quick exit. Django renders
# 500.html with no request context; this view gives it only what it needs (the language and
# the quick-exit address), and if even that fails it answers a fixed page, so that a failing
# template never hides the real failure.

logger = logging.getLogger(__name__)

FALLBACK = (
    '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
    '<meta name="viewport" content="width=device-width, initial-scale=1">'
    "<title>Error</title></head><body><main><h1>Something went wrong</h1>"
    '<p lang="es">Algo salió mal.</p><p><a href="/">Back to the start</a></p>'
    "</main></body></html>"
)


@requires_csrf_token
def server_error(request: HttpRequest) -> HttpResponseServerError:
    context = {
        "LANGUAGE_CODE": get_language() or settings.LANGUAGE_CODE,
        "LANGUAGE_BIDI": get_language_bidi(),
        "quick_exit_url": settings.AFTERCARE_QUICK_EXIT_URL,
    }
    try:
        body = loader.get_template("500.html").render(context)
    except Exception:
        logger.exception("500.html could not be rendered")
        body = FALLBACK
    return HttpResponseServerError(body)
