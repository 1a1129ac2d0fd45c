"""Fixed-window rate limits on sensitive endpoints, counted with atomic cache operations.

DESIGN §8: code verification, queries and report verification count with atomic cache
operations, not DRF's throttles (whose read-modify-write of a history list loses
updates under concurrency). ``cache.add`` creates the counter only if it is missing
(atomic on Redis and locmem), ``cache.incr`` increments it atomically, so two
concurrent requests can never both see the last free slot.

Keys hold no personal data: callers pass identifiers that are already opaque (a
client IP, a user id, a blind index).
"""

from __future__ import annotations

from django.core.cache import cache
from django.http import HttpRequest

from credit_portal.http import client_ip

PREFIX = "ratelimit"


def _key(scope: str, ident: str) -> str:
    return f"{PREFIX}:{scope}:{ident}"


def hit(scope: str, ident: str, *, limit: int, window: int) -> bool:
    """Count one attempt for ``ident`` in ``scope``; True while within ``limit`` per
    ``window`` seconds, False once over it (the attempt is still counted)."""
    key = _key(scope, ident)
    cache.add(key, 0, timeout=window)
    try:
        count = cache.incr(key)
    except ValueError:
        # The counter expired between add() and incr(): start a new window.
        cache.add(key, 0, timeout=window)
        count = cache.incr(key)
    return count <= limit


def is_limited(scope: str, ident: str, *, limit: int) -> bool:
    """Whether ``ident`` is already over ``limit`` in ``scope`` (without counting)."""
    return int(cache.get(_key(scope, ident), 0)) > limit


def hit_ip(request: HttpRequest, scope: str, *, limit: int, window: int) -> bool:
    """``hit`` keyed by the real client IP (``credit_portal.http.client_ip``)."""
    return hit(scope, client_ip(request) or "unknown", limit=limit, window=window)
