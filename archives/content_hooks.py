"""Listeners told when an archive's effective content changed, without ``archives``
importing them (DESIGN §2: the layers point one way).

A record published, corrected, withdrawn, repaired or expired, or a yearly finding
signed (or re-signed as a new version) changes what the archive says about the
person. ``archives.events`` calls ``archive_content_changed`` for each of these inside
the service's transaction; listeners (the credit level, ``archives.levels``) register
in their ``AppConfig.ready()`` and decide themselves whether to work now or after the
commit. With no listener registered nothing happens.
"""

from __future__ import annotations

from collections.abc import Callable

# archive id → None; called inside the writing transaction.
ArchiveListener = Callable[[int], None]

_listeners: list[ArchiveListener] = []


def register_archive_listener(listener: ArchiveListener) -> None:
    """Register ``listener``; registering the same one again is a no-op (``ready()``
    may run more than once, e.g. in tests)."""
    if listener not in _listeners:
        _listeners.append(listener)


def unregister_archive_listener(listener: ArchiveListener) -> None:
    if listener in _listeners:
        _listeners.remove(listener)


def archive_content_changed(archive_id: int) -> None:
    """Tell every listener that ``archive_id``'s records or findings changed."""
    for listener in list(_listeners):
        listener(archive_id)
