from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib.auth import logout as auth_logout
from django.contrib.auth import views as auth_views
from django.db import connection
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.template import loader
from django.urls import NoReverseMatch, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from credit_portal.context_processors import ELDERLY_COOKIE
from credit_portal.forms import LoginForm, PasswordChangeForm
from credit_portal.roles import Role

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from credit_portal.models import User


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """The start page: what the portal is for, for each kind of user (DESIGN §1)."""
    return render(request, "home.html")


# Each role's start page after sign-in, first match wins, so nobody
# lands on the public home page after signing in. URL names, not imports: the apps sit above this package.
ROLE_HOMES: tuple[tuple[str, str], ...] = (
    (Role.CITIZEN, "disclosure:my_home"),
    (Role.INSTITUTION, "disclosure:institution_home"),
    (Role.DEPARTMENT_CLERK, "archives:dashboard"),
    (Role.DEPARTMENT_REVIEWER, "archives:dashboard"),
    (Role.CREDIT_OFFICE, "repair:queue"),
    (Role.AUDITOR, "admin:index"),
    (Role.SECURITY_ADMIN, "admin:index"),
    (Role.SYSTEM_ADMIN, "admin:index"),
)


def home_for(user: User | AnonymousUser) -> str:
    """The start page of ``user``'s first role, or the public home page."""
    names = set(getattr(user, "groups", None).values_list("name", flat=True)) if getattr(user, "pk", None) else set()
    for role, url_name in ROLE_HOMES:
        if str(role) in names:
            try:
                return reverse(url_name)
            except NoReverseMatch:
                continue
    if getattr(user, "is_staff", False):
        return reverse("admin:index")
    return reverse("home")


class LoginView(auth_views.LoginView):
    """Log-in with the GOV.UK error summary; django-axes counts failures and locks out
    (settings.AXES_*; the lock-out page is registration/locked_out.html). Citizens type
    their mobile number in the same box (``disclosure.auth.PhoneBackend``); everyone
    lands on their own start page unless a safe ``next`` says otherwise."""

    template_name = "registration/login.html"
    form_class = LoginForm
    redirect_authenticated_user = True
    extra_context = {"axes_failure_limit": settings.AXES_FAILURE_LIMIT}

    def get_default_redirect_url(self) -> str:
        return home_for(self.request.user)


class PasswordChangeView(auth_views.PasswordChangeView):
    """Every signed-in user changes their own password (old one first). Django keeps the
    session valid (``update_session_auth_hash``) and signs out the user's other sessions."""

    template_name = "registration/password_change_form.html"
    form_class = PasswordChangeForm


class PasswordChangeDoneView(auth_views.PasswordChangeDoneView):
    template_name = "registration/password_change_done.html"


class LogoutView(auth_views.LogoutView):
    """Log-out (POST only, Django 5) that shows a "you have signed out" page.

    The page, not a redirect to LOGOUT_REDIRECT_URL, confirms the session has ended,
    which matters on shared computers in service halls.
    """

    template_name = "registration/logged_out.html"

    def post(self, request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        auth_logout(request)
        return self.render_to_response(self.get_context_data())


@require_POST
def toggle_elderly_mode(request: HttpRequest) -> HttpResponse:
    """Switch the elderly mode (长辈版) on or off; a cookie keeps it for a year."""
    target = request.POST.get("next") or "/"
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        target = "/"
    response = HttpResponseRedirect(target)
    turn_on = request.POST.get("enable") == "1"
    if turn_on:
        response.set_cookie(
            ELDERLY_COOKIE, "1", max_age=365 * 24 * 3600, samesite="Lax",
            secure=request.is_secure(), httponly=True,
        )
    else:
        response.delete_cookie(ELDERLY_COOKIE, samesite="Lax")
    return response


@require_POST
@never_cache
def session_keep_alive(request: HttpRequest) -> HttpResponse:
    """Called by pages with a form while someone types (static/js/portal.mjs): the request
    itself renews the idle timeout (SESSION_SAVE_EVERY_REQUEST), so a slow typist is
    not signed out halfway through a long form. Answers 204, or 403 when signed out."""
    if not request.user.is_authenticated:
        return HttpResponse(status=403)
    return HttpResponse(status=204)


@require_GET
def favicon(request: HttpRequest) -> HttpResponse:
    """Browsers ask for /favicon.ico on pages without an icon link (the Django admin's):
    answer "nothing here" without a 404 in the log and the console."""
    response = HttpResponse(status=204)
    response["Cache-Control"] = "public, max-age=86400"
    return response


# The probe's Redis clients, one per URL and process. Building a client (and connecting)
# on every probe cost most of /healthz's CPU; the pool keeps one connection open, checks
# it before each use and reconnects when the server dropped it, and reconnects after a
# fork by itself. Keyed by URL: the URL is read from the settings at each probe.
_probe_clients: dict[tuple[str, int], Any] = {}


def _probe_client(url: str, timeout: int) -> Any:
    client = _probe_clients.get((url, timeout))
    if client is None:
        import redis

        client = _probe_clients[(url, timeout)] = redis.Redis.from_url(
            url, socket_connect_timeout=timeout, socket_timeout=timeout
        )
    return client


# Probes come every few seconds from each balancer and monitor, while the delivery alert
# changes over minutes (the stall limit is an hour; an event fails after hours of
# retries): each process reads it at most every DELIVERY_PROBE_SECONDS. Its two reads
# would otherwise be two thirds of the probe's time (0.67 → 1.81 ms in-process).
DELIVERY_PROBE_SECONDS = 30.0
_delivery_memo: dict[str, tuple[float, str]] = {}


def clear_delivery_memo() -> None:
    _delivery_memo.clear()


def _delivery_warning() -> str:
    """The delivery to the municipal platform in one line for monitoring (English, like
    the calendar's), or "" when it is healthy; read again after DELIVERY_PROBE_SECONDS."""
    now = time.monotonic()
    kept = _delivery_memo.get("warning")
    if kept is not None and now - kept[0] < DELIVERY_PROBE_SECONDS:
        return kept[1]
    warning = _read_delivery_warning()
    _delivery_memo["warning"] = (now, warning)
    return warning


def _read_delivery_warning() -> str:
    from exchange.outbox import delivery_alert

    alert = delivery_alert()
    if alert is None:
        return ""
    parts = []
    if alert.failed:
        noun = "event" if alert.failed == 1 else "events"
        parts.append(f"{alert.failed}{'+' if alert.failed_more else ''} {noun} failed delivery to the municipal "
                     "platform (re-queue them on the exchange operations page)")
    if alert.waiting_since is not None:
        parts.append(f"events waiting for delivery since {alert.waiting_since.isoformat(timespec='seconds')}")
    return "; ".join(parts)


@require_GET
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness and readiness: the database and, when configured, Redis and the broker.

    Answers 200 when every check passes and 503 otherwise, so a container healthcheck
    or a load balancer takes the instance out of rotation. Failures name only the
    exception type: URLs and messages may hold host names or passwords.
    """
    # Each probe fails fast (no retries, short timeouts) so a dead dependency makes
    # the answer 503 within seconds instead of hanging the probe and a worker.
    timeout = 2
    checks: dict[str, str] = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        checks["database"] = "ok"
    except Exception as exc:  # noqa: BLE001 - any failure means "not ready"
        checks["database"] = f"error: {type(exc).__name__}"
    if settings.REDIS_URL:
        try:
            _probe_client(settings.REDIS_URL, timeout).ping()
            checks["redis"] = "ok"
        except Exception as exc:  # noqa: BLE001
            checks["redis"] = f"error: {type(exc).__name__}"
        if settings.CELERY_BROKER_URL == settings.REDIS_URL:
            # The broker is that same Redis server and database (the settings' default):
            # the ping above has just answered for it; a second connection tells no more.
            checks["broker"] = checks["redis"]
        else:
            from credit_portal.celery import app

            try:
                # The URL is read from the settings at each request (not from the Celery
                # app's configuration, frozen at start-up), with the app's transport options.
                with app.connection_for_write(url=settings.CELERY_BROKER_URL, connect_timeout=timeout) as conn:
                    conn.ensure_connection(max_retries=0, interval_start=0, timeout=timeout)
                checks["broker"] = "ok"
            except Exception as exc:  # noqa: BLE001
                checks["broker"] = f"error: {type(exc).__name__}"
    healthy = all(value == "ok" for value in checks.values())
    body: dict[str, object] = {"status": "ok" if healthy else "error", "checks": checks}
    # Warnings need a person, not a restart: they never make the answer 503.
    warnings: dict[str, str] = {}
    if checks.get("database") == "ok":
        from credit_portal.workdays import calendar_warning

        try:
            if message := calendar_warning():
                warnings["calendar"] = message
        except Exception as exc:  # noqa: BLE001 - a probe never fails on a warning
            warnings["calendar"] = f"error: {type(exc).__name__}"
        try:
            if message := _delivery_warning():
                warnings["exchange"] = message
        except Exception as exc:  # noqa: BLE001
            warnings["exchange"] = f"error: {type(exc).__name__}"
    if warnings:
        body["warnings"] = warnings
    return JsonResponse(body, status=200 if healthy else 503)


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """handler400: a malformed request (a 1,000-character file name, a forged host, a
    broken multipart body) gets the portal's page, or its JSON error format under
    /api/, instead of Django's bare "Bad Request". Stands alone like the 500 page:
    the request may be too broken for context processors."""
    if request.path.startswith("/api/"):
        from credit_portal.api import error_body

        body = error_body("bad_request", _("The request could not be handled."))
        return JsonResponse(body, status=400, json_dumps_params={"ensure_ascii": False})
    return HttpResponseBadRequest(loader.get_template("400.html").render())
