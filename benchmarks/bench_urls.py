"""The application's URLs plus /bench/hello/ (and /bench/hello-api/, with an API key), for
the load benchmarks only (bench_settings)."""

from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.urls import path
from rest_framework.response import Response
from rest_framework.views import APIView

from aftercare.urls import urlpatterns as application_urlpatterns


def hello(request: HttpRequest) -> HttpResponse:
    """Hello world behind every middleware of the application, for a signed-in member."""
    return HttpResponse("Hello, world", content_type="text/plain")


urlpatterns = [path("bench/hello/", hello), *application_urlpatterns]


class HelloApi(APIView):
    """Hello world through the API's key authentication, scope check and throttle."""

    required_scopes = {"GET": "referrals:read"}

    def get(self, request):
        return Response({"hello": "world"})


urlpatterns.insert(0, path("bench/hello-api/", login_not_required(HelloApi.as_view())))
