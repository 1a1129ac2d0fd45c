"""Small request helpers shared by the apps."""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.cache import never_cache

from credit_portal.exceptions import NotFound

# A view: request and URL arguments (any, as the URLconf passes them) in, response out.
ViewFunc = Callable[..., HttpResponse]


def _normalized_ip(value: str | None) -> str | None:
    """``value`` as a canonical IP address string, or None when it is not one.

    Proxies may append a port (``203.0.113.7:51234``, ``[2001:db8::1]:443``); it is
    dropped. The canonical form (``2001:db8::1``, never ``2001:DB8:0::1``) keeps the
    same client counted once and lets the audit hash survive PostgreSQL's ``inet``
    round trip.
    """
    if not value:
        return None
    candidate = value.strip()
    if candidate.startswith("["):  # [IPv6]:port
        candidate = candidate[1:].split("]", 1)[0]
    elif candidate.count(":") == 1:  # IPv4:port (a bare IPv6 address has several colons)
        candidate = candidate.split(":", 1)[0]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return None


def client_ip(request: HttpRequest) -> str | None:
    """The address of the client that sent ``request``, as far as it can be trusted.

    ``settings.AXES_IPWARE_PROXY_COUNT`` is the number of reverse proxies we run in
    front of the application. Each appends the address it received the request from
    to ``X-Forwarded-For``, so with N proxies the client is the N-th entry from the
    right; entries further left were written by the client and can be forged, so they
    are never read. With 0 proxies, or when the header has fewer than N entries (the
    request did not come through our proxies), the TCP peer ``REMOTE_ADDR`` is used:
    it cannot be forged.

    Returns None when the address found is not a valid IP address. The same rule
    serves the audit trail and is meant for django-axes' per-IP lock-out
    (``AXES_CLIENT_IP_CALLABLE``, DESIGN §8: "per real client IP behind the proxy").
    """
    remote_addr = _normalized_ip(request.META.get("REMOTE_ADDR"))
    proxy_count = int(getattr(settings, "AXES_IPWARE_PROXY_COUNT", 0) or 0)
    if proxy_count <= 0:
        return remote_addr
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
    if len(hops) < proxy_count:
        return remote_addr
    return _normalized_ip(hops[-proxy_count])


def user_passes(predicate: Callable[..., bool]) -> Callable[[ViewFunc], ViewFunc]:
    """Refuse with 403 unless ``predicate(request.user)`` holds: a view asks an app's
    ``permissions`` module instead of naming a Django permission or a role itself.
    (Django's ``user_passes_test`` sends a signed-in user to the log-in page instead;
    put ``login_required`` before this for anonymous visitors.)"""

    def decorator(view: ViewFunc) -> ViewFunc:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not predicate(request.user):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def guarded(predicate: Callable[..., bool], *, never_cached: bool = False) -> Callable[[ViewFunc], ViewFunc]:
    """The access wrapper of a group of pages: anonymous visitors go to the log-in page,
    403 unless ``predicate(request.user)`` (an app's ``permissions`` module), and a
    ``NotFound`` from the view becomes 404, so an object out of scope looks like one that
    does not exist. ``never_cached`` adds ``never_cache`` (pages of one person's case)."""

    def decorator(view: ViewFunc) -> ViewFunc:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not predicate(request.user):
                raise PermissionDenied
            try:
                return view(request, *args, **kwargs)
            except NotFound:
                raise Http404 from None

        return login_required(never_cache(wrapped) if never_cached else wrapped)

    return decorator
