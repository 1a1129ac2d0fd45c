"""What every record transition shares: the row lock, the review queue's columns, the archive's
last-update time and the audit entry."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from django.utils import timezone

from archives import hooks
from archives.events import emit_record_event
from archives.models import Archive, CreditRecord
from credit_portal import audit, generations

if TYPE_CHECKING:
    from credit_portal.models import User


State = CreditRecord.State


def _lock(record: CreditRecord) -> CreditRecord:
    return CreditRecord.objects.select_for_update(of=("self",)).select_related("archive__subject", "archive__occupation",
                                                                 "archive__department", "category", "domain").get(pk=record.pk)


REVIEW_QUEUE_FIELDS = ("review_department", "review_occupation")


def _enter_review_queue(record: CreditRecord, *, queued: bool) -> None:
    """Set (on submission) or clear (on return and publication) the record's copy of its
    archive's department and occupation, which the review queue filters on."""
    record.review_department_id = record.archive.department_id if queued else None
    record.review_occupation_id = record.archive.occupation_id if queued else None
    # The review queue page caches its table under this generation (archives.views.dashboard).
    generations.advance_on_commit("review-queue")


def department_work_changed() -> None:
    """A record, proposal, archive, person, yearly finding or batch that department
    dashboards, review queues or archive lists show changed: their cached lists
    (archives.views.dashboard, archives.intake.lists) are read again after the commit."""
    generations.advance_on_commit("department-work")


def _touch_archive(archive: Archive) -> None:
    Archive.objects.filter(pk=archive.pk).update(last_updated_at=timezone.now())
    department_work_changed()


def _audit(action: str, record: CreditRecord, by: User | None, **detail: Any) -> None:
    audit.record(f"archives.record.{action}", actor=by, target=record, subject_ref=str(record.archive.subject_id), detail=detail or None)


def expire_if_over(record: CreditRecord, *, today: date | None = None) -> bool:
    """End the display of a published record whose display period is over (``expired``),
    writing the entry and the event; the caller holds the lock. The nightly task calls
    this for records whose period ran out; publication and corrections call it too, so
    a record decided long ago is never shown for a day, a query or a report after its
    period (the nightly task would only catch it the next night). Returns whether it
    expired."""
    today = today or timezone.localdate()
    if record.state != State.PUBLISHED or record.display_until is None or record.display_until >= today:
        return False
    record.state = State.EXPIRED
    record.ended_at = timezone.now()
    record.save(update_fields=["state", "ended_at", "updated_at"])
    _audit("expired", record, None)
    emit_record_event("record.expired", record)
    hooks.record_ended(record, reason="expired", current=None, by=None)
    return True
