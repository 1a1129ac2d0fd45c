"""Generation tokens of content that many pages read and few changes touch, for cache keys.

A page that caches a rendering of, say, the public lists puts the generation of what
it shows into the key (``credit_portal.fragments``); the services that change that
content advance the generation after their transaction commits, so the next request
misses the cache and renders the new content, and no request can store the old content
under the new generation (it is advanced only once the change is visible to readers).

A generation is an opaque random token in the shared cache (Redis in production), so
every web process sees an advance at once. Should the cache lose it, the next reader
starts a new one: a miss, never a stale page. Names say what changed, not who reads it:

* ``records``: a credit record event (published, corrected, withdrawn, repaired, expired,
  flagged; ``archives.events``);
* ``listings``: a listing published or removed (``archives.listing.events``);
* ``points``: the integrity points pilot switched, a scoring rule added, changed or retired
  (``archives.levels.points``);
* ``review-queue``: a record entered or left the review queue
  (``archives.services.records.common._enter_review_queue``);
* ``department-work``: what department dashboards, review queues and archive lists show
  besides it: a proposal or its decision, an edited record, an archive opened (imported
  too), changed or closed, a person renamed, a yearly finding drafted, deleted or signed, a
  batch of findings signed (``archives.services.records.common.department_work_changed``);
* ``catalogue``: a department, domain, record category, occupation, update cadence or one
  of their mappings saved or deleted through the ORM (``departments.catalogue_changes``).
"""

from __future__ import annotations

import secrets
from collections.abc import Callable

from django.core.cache import DEFAULT_CACHE_ALIAS, cache
from django.db import transaction
from django.http import HttpRequest

_KEY = "generation:{}"
# The cache the generations live in, and every name above: a signed-in request reads them
# all with its session, in the same round trip (credit_portal.sessions).
CACHE_ALIAS = DEFAULT_CACHE_ALIAS
NAMES = ("records", "listings", "points", "review-queue", "department-work", "catalogue")
_CACHE_KEYS = {name: _KEY.format(name) for name in NAMES}
# The attribute of a database connection holding the advances its open transaction has
# registered (``advance_on_commit``), by name.
PENDING_ATTRIBUTE = "_generation_advances"
# Generations this process has advanced: one read with a session before an advance of
# this process (the request's own change) is not used after it.
_advances = 0


def cache_keys() -> dict[str, str]:
    return _CACHE_KEYS


def advances() -> int:
    return _advances


def current(*names: str, request: HttpRequest | None = None) -> tuple[str, ...]:
    """The generations of ``names`` now, in one cache read (more only for a name that
    has to start one); with ``request``, those read with its session if read since this
    process last advanced one (none read otherwise)."""
    prefetched = getattr(getattr(request, "session", None), "prefetched_generations", None)
    known: dict[str, str] = prefetched[1] if prefetched is not None and prefetched[0] == _advances else {}
    keys = [_KEY.format(name) for name in names]
    missing = [key for name, key in zip(names, keys, strict=True) if name not in known]
    found = cache.get_many(missing) if missing else {}
    found.update((_KEY.format(name), token) for name, token in known.items())
    tokens = []
    for key in keys:
        token = found.get(key)
        if token is None:
            cache.add(key, secrets.token_hex(8), timeout=None)
            token = cache.get(key) or ""
        tokens.append(token)
    return tuple(tokens)


def advance(name: str) -> None:
    global _advances  # noqa: PLW0603 - a counter of this process, compared, never summed
    _advances += 1
    cache.set(_KEY.format(name), secrets.token_hex(8), timeout=None)


def advance_on_commit(name: str) -> None:
    """Advance ``name`` once the caller's transaction commits (at once outside one); one
    advance per transaction and name however many changes it makes (an import or a
    batch publication changes thousands of records in one)."""
    connection = transaction.get_connection()
    pending: dict[str, Callable[[], None]] = connection.__dict__.setdefault(PENDING_ATTRIBUTE, {})
    waiting = pending.get(name)
    # Registered earlier in this transaction and neither run nor rolled back since: done.
    if waiting is not None and any(func is waiting for _sids, func, _robust in connection.run_on_commit):
        return

    def advance_generation() -> None:
        if pending.get(name) is advance_generation:
            del pending[name]
        advance(name)

    pending[name] = advance_generation
    transaction.on_commit(advance_generation, robust=True)
