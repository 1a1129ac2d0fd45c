"""Callbacks run when a published record stops having effect, without ``archives``
importing the apps that care (DESIGN §2, the same pattern as ``archives.annotations``).

The record services are the one place where a published record is withdrawn, repaired,
expired or superseded by a correction; each of those transitions calls
``record_ended`` inside its transaction, after the record's own audit entry and event.
A callback (for example the serious-dishonesty list, ``archives.listing``, which must
remove a listing whose basis is gone) runs in the same transaction: if it fails, the
transition rolls back with it, so the two never disagree.

``reason`` is one of ``withdrawn``, ``repaired``, ``expired``, ``corrected``;
``current`` is the version in force after the transition (the new version of a
correction), or None when the lineage has no version in force any more.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from archives.models import CreditRecord
    from credit_portal.models import User

RecordEndedCallback = Callable[..., None]

_callbacks: list[RecordEndedCallback] = []


def register_record_ended(callback: RecordEndedCallback) -> None:
    """Register ``callback(record, *, reason, current, by)``; registering it again is a
    no-op (``ready()`` may run more than once)."""
    if callback not in _callbacks:
        _callbacks.append(callback)


def unregister_record_ended(callback: RecordEndedCallback) -> None:
    if callback in _callbacks:
        _callbacks.remove(callback)


def record_ended(record: CreditRecord, *, reason: str, current: CreditRecord | None, by: User | None) -> None:
    """Tell every registered callback that ``record`` stopped having effect."""
    for callback in list(_callbacks):
        callback(record, reason=reason, current=current, by=by)
