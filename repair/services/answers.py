"""The department's answer to an objection (部门核查答复), with four eyes.

A clerk or reviewer of the department that keeps the record drafts the answer; a
reviewer of that department who did not draft it signs it (DESIGN §5: nobody alone
changes what others see). One answer per round: a second draft in the same round
replaces the first, never stacks; once signed, the round is closed. The credit office
concludes on the signed answer or sends it back for more work (补正) with a reason,
which opens the next round. The answer may correct every field of the record
(``archives.services.records.EDITABLE_FIELDS``), dates included.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from archives.models import CreditRecord
from archives.services.records import EDITABLE_FIELDS, check_correction
from credit_portal.exceptions import TransitionNotAllowed
from credit_portal.models import User
from departments.models import Domain, RecordCategory
from repair import permissions
from repair.models import Objection
from repair.services import common

# Foreign keys are kept in the JSON answer by their stable code.
_BY_CODE: dict[str, type[models.Model]] = {"category": RecordCategory, "domain": Domain}
_DATES = {"occurred_on", "decided_on"}
CORRECTABLE_FIELDS = tuple(sorted(EDITABLE_FIELDS))


def changes_to_json(changes: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, value in changes.items():
        if name in _BY_CODE:
            out[name] = value.code if value is not None else None
        elif isinstance(value, date):
            out[name] = value.isoformat()
        else:
            out[name] = value
    return out


def changes_from_json(stored: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, value in stored.items():
        if name in _BY_CODE:
            out[name] = _BY_CODE[name].objects.get(code=value) if value else None
        elif name in _DATES:
            out[name] = date.fromisoformat(value)
        else:
            out[name] = value
    return out


def _state_refusal(case: Objection) -> TransitionNotAllowed:
    if case.state == Objection.State.PROPOSED:
        return TransitionNotAllowed(_(
            "The department has already answered in this round; nothing was changed. The credit office can send the "
            "answer back for more work."
        ))
    if not case.is_open:
        return TransitionNotAllowed(_("This case is already concluded; nothing was changed."))
    return TransitionNotAllowed(_("The credit office has not accepted this objection yet."))


def draft_answer(
    objection: Objection, *, by: User, proposal: str, reason: str, changes: dict[str, Any] | None = None
) -> Objection:
    """Draft (or redraft, replacing) the department's answer: correct (with the changed
    fields), withdraw, keep, or cannot verify. Callers: a clerk or reviewer of a
    department that may act on the record's archive, while the objection is with it."""
    reason = common.require_reason(reason)
    if proposal not in Objection.Proposal.values:
        raise ValidationError({"proposal": _("Choose what should happen to the record.")})
    with transaction.atomic():
        case = common.lock(objection)
        if not permissions.is_keeping_department_member(by, case):
            raise PermissionDenied(_("Only the department that keeps the record verifies it."))
        if case.state != Objection.State.VERIFYING:
            raise _state_refusal(case)
        stored: dict[str, Any] = {}
        if proposal == Objection.Proposal.CORRECT:
            record = CreditRecord.objects.select_related("archive__subject").get(
                lineage=case.record.lineage, is_current=True
            )
            differing = check_correction(record, dict(changes or {}))
            if not differing:
                raise ValidationError({"title": _("Say what the corrected record should say: change at least one field.")})
            stored = changes_to_json(differing)
        replacing = case.drafted_at is not None
        case.proposal = proposal
        case.proposal_reason = reason
        case.proposed_changes = stored
        case.drafted_by = by
        case.drafted_at = timezone.now()
        case.save(update_fields=["proposal", "proposal_reason", "proposed_changes", "drafted_by", "drafted_at"])
        common.step(case, "answer_drafted", by, note=_("draft replaced") if replacing else "", due=case.decide_due)
    return case


def sign_answer(objection: Objection, *, by: User) -> Objection:
    """A reviewer of the keeping department signs the drafted answer and sends it to the
    credit office. Refused: not a reviewer there, the drafter themself (four eyes), no
    draft, or the round already signed."""
    with transaction.atomic():
        case = common.lock(objection)
        if not permissions.is_keeping_department_reviewer(by, case):
            raise PermissionDenied(_("Only a reviewer of the department that keeps the record signs its answer."))
        if case.state != Objection.State.VERIFYING:
            raise _state_refusal(case)
        if not case.has_unsigned_answer:
            raise TransitionNotAllowed(_("There is no drafted answer to sign yet."))
        if case.drafted_by_id == by.pk:
            raise PermissionDenied(_("You drafted this answer: another reviewer of the department must sign it."))
        case.state = Objection.State.PROPOSED
        case.proposed_by = by
        case.proposed_at = timezone.now()
        case.save(update_fields=["state", "proposed_by", "proposed_at"])
        common.step(case, "proposed", by, note=f"{case.get_proposal_display()}: {case.proposal_reason}",
                    due=case.decide_due)
    return case


def send_back_answer(objection: Objection, *, by: User, reason: str) -> Objection:
    """The credit office sends the signed answer back to the department for more work
    (补正), with the reason; the next round opens and the old answer leaves the case
    (it stays in the timeline and the audit trail). The deadline does not move: art. 25
    counts from the filing."""
    reason = common.require_reason(reason)
    with transaction.atomic():
        case = common.lock_open_case(objection, by)
        if not permissions.may_send_back(by, case):
            raise TransitionNotAllowed(_("Only an answer the department has signed can be sent back."))
        case.state = Objection.State.VERIFYING
        case.answer_round += 1
        case.sent_back_reason = reason
        case.proposal = ""
        case.proposal_reason = ""
        case.proposed_changes = {}
        case.drafted_by = case.drafted_at = case.proposed_by = case.proposed_at = None
        case.save(update_fields=[
            "state", "answer_round", "sent_back_reason", "proposal", "proposal_reason", "proposed_changes",
            "drafted_by", "drafted_at", "proposed_by", "proposed_at",
        ])
        common.step(case, "sent_back", by, note=reason, due=case.decide_due)
    return case
