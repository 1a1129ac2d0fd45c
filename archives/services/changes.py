"""Four eyes on every change others see (DESIGN §5).

A correction or withdrawal of a published record is a proposal (``RecordChange``):
a clerk or reviewer of a responsible department proposes it with a reason, another
reviewer of a responsible department approves or rejects it, and only the approval
writes the new version or the withdrawn state. The proposer can never approve their
own proposal. A correction that makes the record negative or more severe follows the
negative-record path: the person is told before publication (《征信业管理条例》 art. 15:
"征信机构…采集个人不良信息的，应当告知信息主体本人"), evidence must be attached before it
can be approved, and the display period comes from the rules.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Model
from django.utils import timezone
from django.utils.translation import gettext as _

from archives import permissions
from archives.models import CreditRecord, Notice, RecordChange
from archives.services.records import (
    EDITABLE_FIELDS,
    apply_correction,
    apply_withdrawal,
    escalates,
    new_version,
    send_pre_publication_notice,
)
from archives.services.records.common import _lock, department_work_changed
from credit_portal import audit
from credit_portal.exceptions import TransitionNotAllowed
from departments.models import Domain, RecordCategory

if TYPE_CHECKING:
    from credit_portal.models import User

State = RecordChange.State
_FOREIGN_KEYS: dict[str, type[Model]] = {"category": RecordCategory, "domain": Domain}
_DATES = {"occurred_on", "decided_on"}


def _to_json(data: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in data.items():
        if isinstance(value, Model):
            out[key] = value.pk
        elif isinstance(value, date):
            out[key] = value.isoformat()
        else:
            out[key] = value
    return out


def changes_as_fields(change: RecordChange) -> dict[str, Any]:
    """The proposal's stored values as record field values (objects and dates)."""
    out: dict[str, Any] = {}
    for key, value in change.changes.items():
        if key in _FOREIGN_KEYS and value is not None:
            out[key] = _FOREIGN_KEYS[key].objects.get(pk=value)
        elif key in _DATES and value:
            out[key] = date.fromisoformat(value)
        else:
            out[key] = value
    return out


def _audit(verb: str, change: RecordChange, by: User, **detail: Any) -> None:
    audit.record(
        f"archives.record_change.{verb}", actor=by, target=change,
        subject_ref=str(change.record.archive.subject_id), detail={"record": change.record_id, **detail},
    )


def _require_reason(reason: str) -> str:
    if not (reason or "").strip():
        raise ValidationError({"reason": _("Say why the record should change.")})
    return reason.strip()


def _open(record: CreditRecord, *, by: User, kind: str, reason: str, changes: dict[str, Any], escalating: bool) -> RecordChange:
    try:
        with transaction.atomic():
            change = RecordChange.objects.create(
                record=record, kind=kind, changes=_to_json(changes), reason=reason, escalates=escalating,
                proposed_by=by, proposed_at=timezone.now(),
            )
            department_work_changed()
    except IntegrityError:
        raise TransitionNotAllowed(_("A change to this record is already awaiting approval.")) from None
    return change


def _lock_for_proposal(record: CreditRecord, *, by: User, refusal: str) -> CreditRecord:
    """The record re-read and locked inside the caller's transaction, for a proposed
    change: only its current published version (``refusal`` otherwise), proposed by staff
    of the responsible department."""
    locked = _lock(record)
    if locked.state != CreditRecord.State.PUBLISHED or not locked.is_current:
        raise TransitionNotAllowed(refusal)
    if not permissions.can_propose_change(by, locked):
        raise PermissionDenied(_("Only staff of the responsible department propose changes to its records."))
    return locked


def propose_correction(record: CreditRecord, *, by: User, reason: str, **changes: Any) -> RecordChange:
    """Propose a correction of the current published version (clerk or reviewer in scope).

    The values are checked now, as for a new record, and again on approval. Nothing
    the public, institutions or the person see changes until another reviewer approves.
    """
    reason = _require_reason(reason)
    unknown = set(changes) - EDITABLE_FIELDS
    if unknown:
        raise ValueError(f"Unknown record fields: {sorted(unknown)}")
    with transaction.atomic():
        locked = _lock_for_proposal(
            record, by=by, refusal=_("Only the current published version of a record can be corrected.")
        )
        proposed = new_version(locked, dict(changes), reason=reason, by=by)
        differing = {name: getattr(proposed, name) for name in EDITABLE_FIELDS if getattr(proposed, name) != getattr(locked, name)}
        if not differing:
            raise ValidationError(_("Change at least one field."))
        escalating = escalates(locked, proposed)
        change = _open(locked, by=by, kind=RecordChange.Kind.CORRECTION, reason=reason, changes=differing,
                       escalating=escalating)
        _audit("proposed", change, by, kind=change.kind, fields=sorted(differing), escalates=escalating)
        if escalating:
            send_pre_publication_notice(locked, content=proposed)
    return change


def propose_withdrawal(record: CreditRecord, *, by: User, reason: str) -> RecordChange:
    """Propose withdrawing the current published version (clerk or reviewer in scope)."""
    reason = _require_reason(reason)
    with transaction.atomic():
        locked = _lock_for_proposal(record, by=by, refusal=_("Only a published record can be withdrawn."))
        change = _open(locked, by=by, kind=RecordChange.Kind.WITHDRAWAL, reason=reason, changes={}, escalating=False)
        _audit("proposed", change, by, kind=change.kind)
    return change


def _lock_pending(change: RecordChange) -> RecordChange:
    """The proposal re-read and locked inside the caller's transaction; refused once decided."""
    locked = RecordChange.objects.select_for_update(of=("self",)).select_related(
        "record__archive__subject", "record__archive__occupation", "record__archive__department",
    ).get(pk=change.pk)
    if not locked.is_pending:
        raise TransitionNotAllowed(_("This proposal has already been decided."))
    return locked


def _decide(change: RecordChange, state: str, *, by: User, action: str, **fields: object) -> None:
    """Close the locked proposal in ``state`` (who and when, and ``fields``), audited ``action``."""
    change.state = state
    change.decided_by, change.decided_at = by, timezone.now()
    for name, value in fields.items():
        setattr(change, name, value)
    change.save(update_fields=["state", "decided_by", "decided_at", *fields])
    _audit(action, change, by)
    department_work_changed()


def approve_change(change: RecordChange, *, by: User) -> CreditRecord:
    """Approve a pending proposal and carry it out: another reviewer of a responsible
    department than the proposer (four eyes). Returns the record as it now stands
    (the new version of a correction, the withdrawn version of a withdrawal)."""
    with transaction.atomic():
        locked = _lock_pending(change)
        record = _lock(locked.record)
        locked.record = record
        if record.state != CreditRecord.State.PUBLISHED or not record.is_current:
            raise TransitionNotAllowed(_("The record has changed since this was proposed; propose the change again."))
        if by.pk == locked.proposed_by_id:
            raise PermissionDenied(_("You cannot approve a change you proposed: another reviewer must."))
        if not permissions.can_approve_change(by, locked):
            raise PermissionDenied(_("Only another reviewer of the responsible department approves changes."))
        if locked.kind == RecordChange.Kind.WITHDRAWAL:
            result = apply_withdrawal(record, reason=locked.reason, by=by)
        else:
            evidence = list(locked.evidence.all())
            if locked.escalates and not evidence:
                raise ValidationError(
                    _("This change makes the record negative or more severe: attach evidence before approving it.")
                )
            if locked.escalates and not record.notices.filter(kind=Notice.Kind.PRE_PUBLICATION, created_at__gte=locked.proposed_at).exists():
                raise TransitionNotAllowed(_("The person has not been told of this change yet."))
            result = apply_correction(
                record, changes_as_fields(locked), reason=locked.reason, proposed_by=locked.proposed_by, by=by,
                evidence=evidence,
            )
        _decide(locked, State.APPROVED, by=by, action="approved",
                result=result if locked.kind == RecordChange.Kind.CORRECTION else None)
    return result


def reject_change(change: RecordChange, *, by: User, reason: str) -> RecordChange:
    """Turn a proposal down with a reason (another reviewer of a responsible department)."""
    reason = _require_reason(reason)
    with transaction.atomic():
        locked = _lock_pending(change)
        if not permissions.can_reject_change(by, locked):
            raise PermissionDenied(_("Only another reviewer of the responsible department decides on changes."))
        _decide(locked, State.REJECTED, by=by, action="rejected", decision_reason=reason)
    return locked


def cancel_change(change: RecordChange, *, by: User) -> RecordChange:
    """The proposer takes their pending proposal back."""
    with transaction.atomic():
        locked = _lock_pending(change)
        if not permissions.can_cancel_change(by, locked):
            raise PermissionDenied(_("Only the person who proposed a change can cancel it."))
        _decide(locked, State.CANCELLED, by=by, action="cancelled")
    return locked
