"""A published record's next version or its withdrawal, written once the change is settled (an
approved proposal or a concluded case); the caller holds the lock and has checked who may."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.utils import timezone

from archives import hooks
from archives.events import emit_record_event
from archives.models import CreditRecord, Evidence
from archives.services.records.common import State, _audit, _touch_archive, expire_if_over
from archives.services.records.content import EDITABLE_FIELDS, _clean
from archives.services.records.display import display_until_for
from archives.services.records.review import _send_repair_notice

if TYPE_CHECKING:
    from credit_portal.models import User


SEVERITY_RANK = {"": 0, CreditRecord.Severity.MINOR: 1, CreditRecord.Severity.GENERAL: 2, CreditRecord.Severity.SERIOUS: 3}


def escalates(old: CreditRecord, new: CreditRecord) -> bool:
    """Whether ``new`` makes the record negative or more severe than ``old``: such a change
    follows the whole negative-record path (evidence, notice before publication)."""
    if not new.is_negative:
        return False
    return not old.is_negative or SEVERITY_RANK[new.severity] > SEVERITY_RANK[old.severity]


def new_version(old: CreditRecord, data: dict[str, Any], *, reason: str, by: User | None) -> CreditRecord:
    """The unsaved next version of ``old`` with ``data`` cleaned in (nothing written)."""
    merged = {name: getattr(old, name) for name in EDITABLE_FIELDS}
    merged.update(data)
    cleaned = _clean(old.archive, merged)
    new = CreditRecord(
        archive=old.archive, lineage=old.lineage, version=old.version + 1, supersedes=old,
        source=old.source, created_by=by, updated_by=by, state=State.PUBLISHED,
        under_objection=old.under_objection, change_reason=reason, **cleaned,
    )
    new.subject_was_minor = old.archive.subject.is_minor_on(new.occurred_on)
    return new


def apply_correction(
    old: CreditRecord, data: dict[str, Any], *, reason: str, proposed_by: User, by: User,
    evidence: list[Evidence] | None = None,
) -> CreditRecord:
    """Write a correction: version n becomes ``corrected``, version n+1 is published with
    the display period from the rules. The caller holds the lock on ``old`` and has
    checked who may do it; only ``archives.services`` call this."""
    now = timezone.now()
    new = new_version(old, data, reason=reason, by=proposed_by)
    new.published_by, new.published_at, new.submitted_at = by, now, now
    new.display_until = display_until_for(new)
    old.state, old.is_current, old.ended_at = State.CORRECTED, False, now
    old.save(update_fields=["state", "is_current", "ended_at", "updated_at"])
    new.save(force_insert=True)
    for item in evidence or []:
        item.record = new
        item.save(update_fields=["record"])
    _touch_archive(old.archive)
    _audit("corrected", new, by, previous=old.pk, proposed_by=proposed_by.pk)
    emit_record_event("record.corrected", new)
    hooks.record_ended(old, reason="corrected", current=new, by=by)
    if expire_if_over(new):  # corrected to an earlier decision whose period is over
        return new
    if new.is_penalty and escalates(old, new):
        _send_repair_notice(new)
    return new


def apply_withdrawal(locked: CreditRecord, *, reason: str, by: User) -> CreditRecord:
    """Mark the current published version withdrawn; the caller holds the lock and has checked."""
    locked.state = State.WITHDRAWN
    locked.change_reason = reason
    locked.ended_at = timezone.now()
    locked.save(update_fields=["state", "change_reason", "ended_at", "updated_at"])
    _touch_archive(locked.archive)
    _audit("withdrawn", locked, by)
    emit_record_event("record.withdrawn", locked)
    hooks.record_ended(locked, reason="withdrawn", current=None, by=by)
    return locked
