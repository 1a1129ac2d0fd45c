"""Cached template fragments of the person pages (Django's ``{% cache %}`` tag).

Rendering a person's records is a large share of a person page's time, and the records
change rarely next to how often they are read. A page caches that part under a key
naming everything the fragment depends on, so a change can never be served stale and
one viewer's fragment can never be served to another:

* the viewer: the account's primary key; two viewers never share a fragment, whatever
  their roles (a cross-user fragment would be a privacy breach). Only a fragment that
  shows nothing of any person, the same for everyone, is ``shared`` (the public
  catalogue);
* the content's versions: a stamp the page reads in the same query as the row it
  already loads (for an archive: how many records and findings it has and when they
  last changed), or the immutable identity of a frozen report;
* the presentation: the active language, elderly mode (长辈版) and today's date (the
  page states periods against it);
* the fragment's name.

The key is a SHA-256 of those parts, so the cache holds no identifier in clear. The
fragment body itself is personal data: it lives only in the deployment's own cache
(Redis in production), for ``FRAGMENT_CACHE_SECONDS`` (five minutes by default; 0 turns
caching off), a bound also on anything the stamp does not capture, such as a
catalogue name edited by the credit office.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone, translation

from credit_portal.context_processors import ELDERLY_COOKIE


def fragment_key(request: HttpRequest, name: str, *versions: object, shared: bool = False) -> str:
    """The cache key part of fragment ``name`` for this request's viewer and ``versions``;
    ``shared``: one for every viewer, for a fragment that shows nothing of the viewer or
    anyone else (the public catalogue)."""
    user = getattr(request, "user", None)
    if shared:
        viewer = "everyone"
    else:
        viewer = user.pk if user is not None and user.is_authenticated else "anonymous"
    parts = (
        name, viewer, translation.get_language() or "", request.COOKIES.get(ELDERLY_COOKIE) == "1",
        timezone.localdate().isoformat(), *versions,
    )
    return hashlib.sha256("\x1f".join(str(part) for part in parts).encode()).hexdigest()


def fragment_context(request: HttpRequest, name: str, *versions: object, shared: bool = False) -> dict[str, object]:
    """Template context for ``{% cache fragment_seconds <name> fragment_key %}`` (the name
    unquoted, as the tag takes it literally)."""
    return {
        "fragment_key": fragment_key(request, name, *versions, shared=shared),
        "fragment_seconds": settings.FRAGMENT_CACHE_SECONDS,
    }


class LazyReads:
    """What a cached fragment shows, each value read on first use in the template (so
    never on a cache hit) and once: ``LazyReads({"drafts": read_drafts})`` or
    ``LazyReads(rows=..., more=lambda: len(reads.rows) > n)``; a reader may use another
    value through the same object (read once for both)."""

    def __init__(self, readers: Mapping[str, Callable[[], Any]] | None = None, /, **named: Callable[[], Any]) -> None:
        self._readers: dict[str, Callable[[], Any]] = {**(readers or {}), **named}
        self._read: dict[str, Any] = {}

    def __getattr__(self, name: str) -> Any:
        readers = self.__dict__.get("_readers", {})
        if name not in readers:
            raise AttributeError(name)
        read = self.__dict__["_read"]
        if name not in read:
            read[name] = readers[name]()
        return read[name]
