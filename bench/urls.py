"""The portal's URLs plus the bare baseline: a Django view doing nothing, served by the
same gunicorn through the same middleware stack; and the floor of a signed-in page, a view
doing nothing but what every signed-in page's chrome does (the user, the CSRF token of
the sign-out form), for bench/page_cpu.py."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.urls import include, path


def bare(request: HttpRequest) -> HttpResponse:
    return HttpResponse(b"ok", content_type="text/plain")


@login_required
def signed_in(request: HttpRequest) -> HttpResponse:
    return HttpResponse(get_token(request).encode(), content_type="text/plain")


urlpatterns = [
    path("bench/bare/", bare),
    path("bench/signed-in/", signed_in),
    path("", include("credit_portal.urls")),
]
