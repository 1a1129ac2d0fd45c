"""The clerk's side of the lifecycle: draft, edit, delete a never-published draft, submit for review."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from archives import permissions
from archives.models import Archive, CreditRecord, Notice
from archives.services.evidence import delete_files_on_commit
from archives.services.records.common import (
    REVIEW_QUEUE_FIELDS,
    State,
    _audit,
    _enter_review_queue,
    _lock,
    department_work_changed,
)
from archives.services.records.content import EDITABLE_FIELDS, _clean
from archives.services.records.review import send_pre_publication_notice
from credit_portal.exceptions import TransitionNotAllowed

if TYPE_CHECKING:
    from credit_portal.models import User


def draft_record(archive: Archive, *, by: User, source: str = CreditRecord.Source.WEB_FORM, **data: Any) -> CreditRecord:
    """Create a draft record in ``archive``.

    Callers: a clerk of a department that may act on the archive. The archive must be
    open. Categories are limited to the occupation's (000 §二).
    """
    with transaction.atomic():
        archive = Archive.objects.select_for_update().select_related("subject").get(pk=archive.pk)
        if archive.state != Archive.State.OPEN:
            raise TransitionNotAllowed(_("Records cannot be added to a closed archive."))
        if not permissions.can_enter_record(by, archive):
            raise PermissionDenied(_("Only a clerk of the responsible department enters records."))
        data = _clean(archive, dict(data))
        record = CreditRecord(archive=archive, source=source, created_by=by, updated_by=by, **data)
        record.subject_was_minor = archive.subject.is_minor_on(record.occurred_on)
        record.save(force_insert=True)
        _audit("drafted", record, by)
    return record


def edit_record(record: CreditRecord, *, by: User, **data: Any) -> CreditRecord:
    """Change a draft or returned record. Published records are never edited in place:
    use ``correct_record``."""
    with transaction.atomic():
        locked = _lock(record)
        if not locked.is_editable:
            raise TransitionNotAllowed(_("Only drafts and returned records can be edited; correct a published record instead."))
        if not permissions.can_edit_record(by, locked):
            raise PermissionDenied(_("Only a clerk of the responsible department edits records."))
        current = {name: getattr(locked, name) for name in EDITABLE_FIELDS}
        current.update(data)
        cleaned = _clean(locked.archive, current)
        for key, value in cleaned.items():
            setattr(locked, key, value)
        locked.subject_was_minor = locked.archive.subject.is_minor_on(locked.occurred_on)
        locked.updated_by = by
        locked.save()
        _audit("edited", locked, by, fields=sorted(data))
        department_work_changed()
    return locked


def delete_draft(record: CreditRecord, *, by: User) -> None:
    """Delete a draft or returned record that was never published, with its evidence
    (clerk in scope). Only the audit trail keeps its identifiers."""
    with transaction.atomic():
        locked = _lock(record)
        if not locked.is_editable or locked.published_at is not None:
            raise TransitionNotAllowed(_("Only drafts and returned records that were never published can be deleted."))
        if not permissions.can_delete_draft(by, locked):
            raise PermissionDenied(_("Only a clerk of the responsible department deletes drafts."))
        files = list(locked.evidence.values_list("file", flat=True))
        _audit("deleted", locked, by, evidence=len(files))
        locked.notices.all().delete()
        locked.evidence.all().delete()
        locked.delete()
        department_work_changed()
        delete_files_on_commit(files)


def submit_record(record: CreditRecord, *, by: User) -> CreditRecord:
    """Send a draft or returned record for review (clerk in scope).

    Negative information: the subject is told now, before a reviewer can publish it
    (《征信业管理条例》 art. 15; DESIGN §7).
    """
    with transaction.atomic():
        locked = _lock(record)
        if locked.state not in {State.DRAFT, State.RETURNED}:
            raise TransitionNotAllowed(_("Only drafts and returned records can be submitted."))
        if not permissions.can_submit_record(by, locked):
            raise PermissionDenied(_("Only a clerk of the responsible department submits records."))
        # Negative information rests on its proof: the reviewer decides on the evidence,
        # and the person can ask to see it (DESIGN §3: evidence backs a record).
        if locked.is_negative and not locked.evidence.exists():
            raise ValidationError(_("Negative information needs evidence: attach the decision or other proof before submitting."))
        locked.state = State.SUBMITTED
        locked.submitted_at = timezone.now()
        locked.updated_by = by
        _enter_review_queue(locked, queued=True)
        locked.save(update_fields=["state", "submitted_at", "updated_by", *REVIEW_QUEUE_FIELDS, "updated_at"])
        _audit("submitted", locked, by)
        if locked.is_negative and not locked.notices.filter(kind=Notice.Kind.PRE_PUBLICATION).exists():
            send_pre_publication_notice(locked)
    return locked
