"""What a settled case does to a published record: a correction, a withdrawal, the end of display
after credit repair, the objection flag. Callers: the credit office's case services."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from archives import hooks, permissions
from archives.events import emit_record_event
from archives.models import CreditRecord
from archives.services.records.common import State, _audit, _lock
from archives.services.records.versions import apply_correction, apply_withdrawal, escalates, new_version
from credit_portal.exceptions import TransitionNotAllowed

if TYPE_CHECKING:
    from credit_portal.models import User


def _lock_for_outcome(record: CreditRecord, *, by: User, not_current: str) -> CreditRecord:
    """Lock ``record`` for a settled case's correction or withdrawal: it must be the current
    published version (``not_current`` says why not), and ``by`` the credit office."""
    locked = _lock(record)
    # Expired too: a case filed while it was shown is carried out after its display ended
    # (archives.permissions._settles_a_case).
    if locked.state not in (State.PUBLISHED, State.EXPIRED) or not locked.is_current:
        raise TransitionNotAllowed(not_current)
    if not permissions.can_apply_case_outcome(by, locked):
        raise PermissionDenied(_("A published record is changed by proposal: another reviewer of the department approves it."))
    return locked


def correct_record(record: CreditRecord, *, by: User, reason: str, **changes: Any) -> CreditRecord:
    """Carry out a correction a case has settled: a new published version, the old one
    kept as ``corrected`` and linked (DESIGN §3: nothing published is edited in place).

    Callers: the credit office concluding an objection the department has answered
    (two bodies have looked at it). Department staff propose changes instead
    (``archives.services.changes.propose_correction``), which another reviewer approves.
    A change that makes the record negative or more severe is refused here: it needs
    the negative-record path (evidence, notice before publication).
    """
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the record is corrected.")})
    with transaction.atomic():
        old = _lock_for_outcome(
            record, by=by, not_current=_("Only the current published version of a record can be corrected.")
        )
        if escalates(old, new_version(old, dict(changes), reason=reason, by=by)):
            raise ValidationError(
                _("This change makes the record negative or more severe: propose it with evidence so the person is told first.")
            )
        return apply_correction(old, dict(changes), reason=reason.strip(), proposed_by=by, by=by)


def withdraw_record(record: CreditRecord, *, reason: str, by: User) -> CreditRecord:
    """Carry out a withdrawal a case has settled (the credit office concluding an
    objection the department answered). It stays readable in the history, marked
    withdrawn. Department staff propose withdrawals instead."""
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the record is withdrawn.")})
    with transaction.atomic():
        locked = _lock_for_outcome(record, by=by, not_current=_("Only a published record can be withdrawn."))
        return apply_withdrawal(locked, reason=reason.strip(), by=by)


def mark_repaired(record: CreditRecord, *, by: User, reason: str) -> CreditRecord:
    """End the public and third-party display of a negative record after approved credit
    repair; the record stays in the archive marked repaired (DESIGN §7). Callers: the
    repair services on behalf of the credit office."""
    with transaction.atomic():
        locked = _lock(record)
        # Expired too: an application accepted while the record was shown is decided after
        # its display ended, and the archive then says repaired (permissions._settles_a_case).
        if locked.state not in (State.PUBLISHED, State.EXPIRED) or not locked.is_current or not locked.is_negative:
            raise TransitionNotAllowed(_("Only published negative information can be repaired."))
        if not permissions.can_mark_repaired(by, locked):
            raise PermissionDenied(_("Only the credit office approves credit repair."))
        locked.state = State.REPAIRED
        locked.change_reason = reason.strip()
        locked.ended_at = timezone.now()
        locked.save(update_fields=["state", "change_reason", "ended_at", "updated_at"])
        _audit("repaired", locked, by)
        emit_record_event("record.repaired", locked)
        hooks.record_ended(locked, reason="repaired", current=None, by=by)
    return locked


def set_objection_flag(record: CreditRecord, *, flagged: bool, by: User) -> CreditRecord:
    """Flag or unflag a published record as under objection (DESIGN §7: flagged at once
    wherever it is shown). Callers: the objection services."""
    with transaction.atomic():
        locked = _lock(record)
        if locked.under_objection == flagged:
            return locked
        locked.under_objection = flagged
        locked.save(update_fields=["under_objection", "updated_at"])
        _audit("objection_flag", locked, by, flagged=flagged)
        emit_record_event("record.objection_flagged" if flagged else "record.objection_cleared", locked)
    return locked
