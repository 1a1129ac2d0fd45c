from __future__ import annotations

import time
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


class IdleSessionRefreshMiddleware:
    """Keeps the 30-minute idle timeout without writing the session on every request.

    ``SESSION_SAVE_EVERY_REQUEST`` wrote the session row (and a new cookie) on every
    page view, 7 % of a page's time. Here a signed-in session is saved, which pushes its
    expiry 30 minutes ahead, at most once per ``SESSION_REFRESH_SECONDS`` (60 by
    default): the idle timeout becomes between 29 and 30 minutes. Must come after
    ``SessionMiddleware`` (so it runs first on the way out).
    """

    KEY = "_refreshed_at"

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        from django.conf import settings

        response = self.get_response(request)
        session = getattr(request, "session", None)
        # Only an existing session: an anonymous visitor gets none created here.
        if session is not None and session.session_key and not session.modified:
            now = int(time.time())
            if now - int(session.get(self.KEY, 0)) >= settings.SESSION_REFRESH_SECONDS:
                session[self.KEY] = now
        return response
