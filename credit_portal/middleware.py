from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse


class NoStoreForPersonalDataMiddleware:
    """Pages for signed-in users may carry personal data: never cache them (DESIGN §8).

    Views that show personal data to anonymous visitors (report verification) mark
    themselves with ``never_cache`` as well; public static pages stay cacheable.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and not request.path.startswith("/static/"):
            response["Cache-Control"] = "no-store"
        return response


class ChineseByDefaultMiddleware:
    """The portal speaks Simplified Chinese unless the user switched language.

    Django's LocaleMiddleware would follow the browser's Accept-Language, so a citizen
    on an English-language phone would land on English pages. A Chinese government
    service is Chinese first (DESIGN §10); English stays one click away through the
    language switch, whose cookie LocaleMiddleware still honours. Must come before
    LocaleMiddleware.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
        return self.get_response(request)
