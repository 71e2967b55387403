"""The application's URLs plus /bench/hello/, for the load benchmark only (bench_settings)."""

from django.http import HttpRequest, HttpResponse
from django.urls import path

from aftercare.urls import urlpatterns as application_urlpatterns


def hello(request: HttpRequest) -> HttpResponse:
    """Hello world behind every middleware of the application, for a signed-in member."""
    return HttpResponse("Hello, world", content_type="text/plain")


urlpatterns = [path("bench/hello/", hello), *application_urlpatterns]
