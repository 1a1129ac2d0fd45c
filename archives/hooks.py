"""Callbacks other apps register to follow the archives, without ``archives`` importing
them (DESIGN §2: the layers point one way; the same pattern as ``archives.annotations``).
One module for both kinds, so there is one place to look for who reacts to what.

1. ``archive_content_changed(archive_id)``: what an archive says about the person
   changed. ``archives.events`` calls it for every record event (published, corrected,
   withdrawn, repaired, expired, flagged) and every signed finding, inside the
   service's transaction. The credit level (``archives.levels``) listens and decides
   itself whether to work now or after the commit.

2. ``record_ended(record, reason=…, current=…, by=…)``: a published record stopped
   having effect. The record services are the one place where a published record is
   withdrawn, repaired, expired or superseded by a correction; each of those
   transitions calls it inside its transaction, after the record's own audit entry
   and event. A callback (the serious-dishonesty list, ``archives.listing``, removes a
   listing whose basis is gone) runs in the same transaction: if it fails, the
   transition rolls back with it, so the two never disagree. ``reason`` is one of
   ``withdrawn``, ``repaired``, ``expired``, ``corrected``; ``current`` is the version
   in force after the transition (the new version of a correction), or None.

3. ``retention_purged(cutoff=…)``: the nightly 5-year retention purge has deleted the
   negative information decided before ``cutoff``. What other apps keep of such
   information goes too, whenever it was quoted (``disclosure`` blanks the stored credit
   reports that quote it). Called after the purge's own transactions, every night.

With nothing registered nothing happens. Registering the same callback again is a
no-op (``ready()`` may run more than once, e.g. in tests).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date
from typing import TYPE_CHECKING, Generic, TypeVar

if TYPE_CHECKING:
    from archives.models import CreditRecord
    from credit_portal.models import User

T = TypeVar("T")


class Registry(Generic[T]):
    """Callbacks in the order they registered; registering the same one again is a
    no-op (``ready()`` may run more than once, e.g. in tests). Iterating gives a copy,
    so a callback may register another without upsetting the loop."""

    def __init__(self) -> None:
        self._items: list[T] = []

    def register(self, item: T) -> None:
        if item not in self._items:
            self._items.append(item)

    def unregister(self, item: T) -> None:
        if item in self._items:
            self._items.remove(item)

    def __iter__(self) -> Iterator[T]:
        return iter(list(self._items))


RecordEndedCallback = Callable[..., None]

# Each callback is called as ``callback(record, *, reason, current, by)``.
_callbacks: Registry[RecordEndedCallback] = Registry()
register_record_ended = _callbacks.register


def record_ended(record: CreditRecord, *, reason: str, current: CreditRecord | None, by: User | None) -> None:
    """Tell every registered callback that ``record`` stopped having effect."""
    for callback in _callbacks:
        callback(record, reason=reason, current=current, by=by)


# archive id → None; called inside the writing transaction.
ArchiveListener = Callable[[int], None]

_listeners: Registry[ArchiveListener] = Registry()
register_archive_listener = _listeners.register


def archive_content_changed(archive_id: int) -> None:
    """Tell every listener that ``archive_id``'s records or findings changed."""
    for listener in _listeners:
        listener(archive_id)


# the retention cutoff → None; called after the purge.
PurgeListener = Callable[..., object]

_purge_listeners: Registry[PurgeListener] = Registry()
register_retention_purged = _purge_listeners.register


def retention_purged(*, cutoff: date) -> None:
    """Tell every listener that negative information decided before ``cutoff`` is past its
    retention and deleted from the archives (《征信业管理条例》 art. 16)."""
    for listener in _purge_listeners:
        listener(cutoff=cutoff)
