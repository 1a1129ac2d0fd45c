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

import weakref
from typing import Any

from django.core.cache import cache, caches
from django.core.cache.backends.redis import RedisCache
from django.http import HttpRequest

from credit_portal.http import client_ip

PREFIX = "ratelimit"

# On Redis one round trip does what ``is_limited`` and ``hit`` do with Django's cache
# calls in four (GET; SET NX, EXISTS and INCR), each through a new client object: the
# guard counter read (KEYS[1] over ARGV[1]: -1, nothing counted; ARGV[1] < 0: no guard),
# the counter created with its window if missing (as ``cache.add``) and incremented. One
# script runs atomically, so the count is as exact as with ``add`` and ``incr``.
_SCRIPT = """
local guard = tonumber(ARGV[1])
if guard >= 0 and tonumber(redis.call('GET', KEYS[1]) or '0') > guard then
  return -1
end
redis.call('SET', KEYS[2], 0, 'EX', ARGV[2], 'NX')
return redis.call('INCR', KEYS[2])
"""
# The registered script of each Redis cache client (one per thread's cache object).
_scripts: weakref.WeakKeyDictionary[Any, Any] = weakref.WeakKeyDictionary()


def _key(scope: str, ident: str) -> str:
    return f"{PREFIX}:{scope}:{ident}"


def _redis() -> RedisCache | None:
    backend = caches["default"]
    return backend if isinstance(backend, RedisCache) else None


def _redis_count(
    backend: RedisCache, key: str, window: int, guard_key: str | None = None, guard_limit: int = -1
) -> int:
    """The script's answer: the counter after this attempt, or -1 (guard over its limit)."""
    client = backend._cache  # noqa: SLF001 - Django's Redis client: its pool, one script
    script = _scripts.get(client)
    if script is None:
        script = _scripts[client] = client.get_client(write=True).register_script(_SCRIPT)
    keys = [backend.make_and_validate_key(guard_key or key), backend.make_and_validate_key(key)]
    return int(script(keys=keys, args=[guard_limit if guard_key else -1, window]))


def hit(scope: str, ident: str, *, limit: int, window: int) -> bool:
    """Count one attempt for ``ident`` in ``scope``; True while within ``limit`` per
    ``window`` seconds, False once over it (the attempt is still counted)."""
    key = _key(scope, ident)
    if (backend := _redis()) is not None:
        return _redis_count(backend, key, window) <= limit
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


def hit_unless_limited(
    scope: str, ident: str, *, limit: int, window: int, guard: str, guard_limit: int
) -> bool:
    """``not is_limited(guard, ident, limit=guard_limit) and hit(scope, ident, …)``:
    False without counting while ``ident`` is over ``guard_limit`` in ``guard``, else
    ``hit``'s answer. On Redis one round trip."""
    if (backend := _redis()) is not None:
        count = _redis_count(backend, _key(scope, ident), window, _key(guard, ident), guard_limit)
        return 0 <= count <= limit
    return not is_limited(guard, ident, limit=guard_limit) and hit(scope, ident, limit=limit, window=window)


def hit_ip(request: HttpRequest, scope: str, *, limit: int, window: int) -> bool:
    """``hit`` keyed by the real client IP (``credit_portal.http.client_ip``)."""
    return hit(scope, client_ip(request) or "unknown", limit=limit, window=window)
