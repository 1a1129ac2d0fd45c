"""Reads from a PostgreSQL streaming replica, with read-your-writes (DESIGN §12).

When ``DATABASE_REPLICA_URL`` is set the settings add the ``replica`` connection and
``ReplicaRouter``. Only views marked with ``@reads_from_replica`` read there: reports,
the public lists and report verification, pages whose data is written long before it is
read. Everything else, every write, every ``select_for_update`` and every read inside a
transaction stays on the primary.

Read-your-writes: a client that has just written (any unsafe HTTP method) gets a
short-lived cookie, and for ``DATABASE_REPLICA_STICKY_SECONDS`` (default 10, well above
the lag of a healthy streaming replica) all its reads go to the primary, so the report a
user has just been issued, or a list entry just published, is never missing on their
next page.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from contextvars import ContextVar
from typing import Any

from django.conf import settings
from django.db import connections
from django.http import HttpRequest, HttpResponse

REPLICA = "replica"
STICKY_COOKIE = "rw_primary"
_replica_allowed: ContextVar[bool] = ContextVar("replica_allowed", default=False)


def replica_configured() -> bool:
    return REPLICA in settings.DATABASES


class ReplicaRouter:
    """Sends reads to the replica only inside ``reads_from_replica`` and outside transactions."""

    def db_for_read(self, model: type, **hints: Any) -> str | None:
        if _replica_allowed.get() and not connections["default"].in_atomic_block:
            return REPLICA
        return None

    def db_for_write(self, model: type, **hints: Any) -> str | None:
        return "default"

    def allow_relation(self, obj1: object, obj2: object, **hints: Any) -> bool:
        return True  # the same data on both connections

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool:
        return db == "default"  # the replica follows the primary's WAL, schema included


def reads_from_replica(view: Callable[..., Any]) -> Callable[..., Any]:
    """Let ``view`` read from the replica, unless this client has just written."""

    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        if not replica_configured() or request.COOKIES.get(STICKY_COOKIE):
            return view(request, *args, **kwargs)
        token = _replica_allowed.set(True)
        try:
            return view(request, *args, **kwargs)
        finally:
            _replica_allowed.reset(token)

    return wrapped


def reading_from_replica() -> bool:
    """Whether this request's reads may go to the replica (inside ``reads_from_replica``,
    no sticky cookie). A page cached under a version its own data may not have reached
    yet must not be cached from here: see ``disclosure.views.public``."""
    return _replica_allowed.get() and replica_configured()


class ReadYourWritesMiddleware:
    """After a request that may have written, pin this client to the primary for a while."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if replica_configured() and request.method not in ("GET", "HEAD", "OPTIONS", "TRACE"):
            response.set_cookie(
                STICKY_COOKIE, "1", max_age=settings.DATABASE_REPLICA_STICKY_SECONDS, httponly=True, samesite="Lax",
                secure=settings.SESSION_COOKIE_SECURE,
            )
        return response
