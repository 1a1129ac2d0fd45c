"""The portal's URLs plus the bare baseline: a Django view doing nothing, served by the
same gunicorn through the same middleware stack."""

from django.http import HttpRequest, HttpResponse
from django.urls import include, path


def bare(request: HttpRequest) -> HttpResponse:
    return HttpResponse(b"ok", content_type="text/plain")


urlpatterns = [
    path("bench/bare/", bare),
    path("", include("credit_portal.urls")),
]
