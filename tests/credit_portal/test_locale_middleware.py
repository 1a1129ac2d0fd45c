"""credit_portal.middleware.PathlessLocaleMiddleware answers as Django's LocaleMiddleware:
the same language activated and the same headers for every way a request names a language,
and Django's own code wherever i18n_patterns are in use."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.http import HttpResponse, HttpResponseNotFound
from django.middleware.locale import LocaleMiddleware
from django.test import RequestFactory
from django.utils import translation

from credit_portal.middleware import PathlessLocaleMiddleware

REQUESTS = [
    {},
    {"HTTP_COOKIE": f"{settings.LANGUAGE_COOKIE_NAME}=en"},
    {"HTTP_COOKIE": f"{settings.LANGUAGE_COOKIE_NAME}=zh-hans"},
    {"HTTP_COOKIE": f"{settings.LANGUAGE_COOKIE_NAME}=fr"},  # not offered
    {"HTTP_ACCEPT_LANGUAGE": "en-GB,en;q=0.9"},
    {"HTTP_ACCEPT_LANGUAGE": "en", "HTTP_COOKIE": f"{settings.LANGUAGE_COOKIE_NAME}=zh-hans"},
]
PATHS = ["/", "/en/", "/zh-hans/staff/", "/staff/review/", "/no/such/page/"]


def _answer(middleware_class: type, path: str, meta: dict[str, str], status: int) -> tuple[object, ...]:
    def view(request):  # noqa: ANN001, ANN202
        return HttpResponse(b"ok") if status == 200 else HttpResponseNotFound(b"no")

    with translation.override(None):
        request = RequestFactory().get(path, **meta)
        response = middleware_class(view)(request)
        return (request.LANGUAGE_CODE, translation.get_language(), response.status_code,
                response.get("Vary"), response.get("Content-Language"), response.get("Location"))


@pytest.mark.parametrize("meta", REQUESTS)
@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("status", [200, 404])
def test_the_same_language_and_headers_as_djangos(meta: dict[str, str], path: str, status: int) -> None:
    assert _answer(PathlessLocaleMiddleware, path, meta, status) == _answer(LocaleMiddleware, path, meta, status)


@pytest.mark.parametrize("meta", REQUESTS)
@pytest.mark.parametrize("path", ["/en/page/", "/page/", "/zh-hans/page/"])
def test_with_i18n_patterns_djangos_code_runs(settings, meta: dict[str, str], path: str) -> None:
    settings.ROOT_URLCONF = "tests.credit_portal.i18n_urls"
    for status in (200, 404):
        assert _answer(PathlessLocaleMiddleware, path, meta, status) == _answer(LocaleMiddleware, path, meta, status)
    # …and there the path's language counts (which the portal's URLs never give).
    assert _answer(PathlessLocaleMiddleware, "/en/page/", {}, 200)[0] == "en"
