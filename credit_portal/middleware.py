from __future__ import annotations

import time
from collections.abc import Callable
from http import HTTPStatus

from csp.constants import HEADER, HEADER_REPORT_ONLY
from csp.middleware import CheckableLazyObject, CSPMiddleware
from csp.utils import build_policy
from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.utils.functional import LazyObject, empty


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


class ResolvedUserMiddleware:
    """``request.user`` as the user object itself from here on, not the two lazy wrappers
    around it (``AuthenticationMiddleware``'s and django-otp's ``OTPMiddleware``'s).

    Every read of ``request.user.<attribute>`` through them costs two proxy look-ups:
    a signed-in page reads the user a hundred times or more (the middleware, the menu, the
    context processors, the cache keys, the audit entry). The middleware after this one
    (``ForcedPasswordChangeMiddleware``) loads the user on every request anyway, so
    resolving it here reads nothing more. The object is the same one the wrappers
    held (django-otp's ``otp_device`` and ``is_verified`` set on it); ``login()`` and
    ``logout()`` replace ``request.user`` as before. Must come right after ``OTPMiddleware``
    (``credit_portal.otp_device.SessionOTPMiddleware``).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if isinstance(user, LazyObject):
            while isinstance(user, LazyObject):
                if user._wrapped is empty:
                    user._setup()
                user = user._wrapped
            request.user = user
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
        response = self.get_response(request)
        session = getattr(request, "session", None)
        # Only an existing session: an anonymous visitor gets none created here. Stamped
        # also when the request changed the session (the access saved after signing in:
        # SessionAccessMiddleware), so the next view within the minute writes nothing.
        if session is not None and session.session_key:
            now = int(time.time())
            if now - int(session.get(self.KEY, 0)) >= settings.SESSION_REFRESH_SECONDS:
                session[self.KEY] = now
        return response


# The per-response attributes through which a view changes its policy (django-csp's
# decorators); with none of them and no nonce the headers are the settings' alone.
_CSP_OVERRIDES = (
    "_csp_config", "_csp_update", "_csp_replace", "_csp_config_ro", "_csp_update_ro", "_csp_replace_ro",
)


class SettingsCSPMiddleware(CSPMiddleware):
    """django-csp's middleware, with the headers of the settings' policy built once.

    django-csp rebuilds both headers from the settings on every response (dataclasses
    and string joins): a fifth of the CPU of a bare Django view on the benchmark host.
    The portal's policy uses no nonces (no inline script or style: DESIGN §8), so for a
    response no view changed (only the API docs page does, with ``csp_update``) the
    headers are those of the settings, rebuilt only when the settings object changes.
    Anything else goes through django-csp unchanged.
    """

    _built: tuple[object, object, str, str] | None = None

    def _settings_headers(self) -> tuple[str, str]:
        policy = getattr(settings, "CONTENT_SECURITY_POLICY", None)
        report_only = getattr(settings, "CONTENT_SECURITY_POLICY_REPORT_ONLY", None)
        built = SettingsCSPMiddleware._built
        if built is None or built[0] is not policy or built[1] is not report_only:
            built = (policy, report_only, build_policy(), build_policy(report_only=True))
            SettingsCSPMiddleware._built = built
        return built[2], built[3]

    def process_response(self, request: HttpRequest, response: HttpResponseBase) -> HttpResponseBase:
        if getattr(request, "_csp_nonce", None) is not None or any(
            getattr(response, name, None) is not None for name in _CSP_OVERRIDES
        ):
            return super().process_response(request, response)
        if response.status_code in (HTTPStatus.INTERNAL_SERVER_ERROR, HTTPStatus.NOT_FOUND) and settings.DEBUG:
            return response
        csp, csp_ro = self._settings_headers()
        for header, value, exempt, setting in (
            (HEADER, csp, "_csp_exempt", "CONTENT_SECURITY_POLICY"),
            (HEADER_REPORT_ONLY, csp_ro, "_csp_exempt_ro", "CONTENT_SECURITY_POLICY_REPORT_ONLY"),
        ):
            if not value or header in response or getattr(response, exempt, False) is not False:
                continue
            prefixes = (getattr(settings, setting, None) or {}).get("EXCLUDE_URL_PREFIXES", None) or ()
            if not request.path_info.startswith(tuple(prefixes)):
                response[header] = value
        if getattr(request, "_csp_nonce", None) is None:
            request.csp_nonce = CheckableLazyObject(self._csp_nonce_post_response)  # type: ignore[attr-defined]
        return response
