"""The project's URLs plus one view that fails, to see the server-error page."""

from django.contrib.auth.decorators import login_not_required
from django.urls import path

from aftercare.urls import handler500  # noqa: F401
from aftercare.urls import urlpatterns as project_urlpatterns


@login_not_required
def fail(request):
    raise RuntimeError("a bug")


urlpatterns = [*project_urlpatterns, path("fail/", fail)]
