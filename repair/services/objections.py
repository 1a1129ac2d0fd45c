"""Objections (异议): filing, acceptance or refusal, conclusion, personal statements.

Rules: DESIGN §5 (submitted → verifying → proposed → upheld | dismissed |
unverifiable; refused), §7; 《征信业管理条例》 art. 25 ("受理异议的机构应当在收到异议
之日起20日内进行核查和处理，并将结果书面答复异议人"); 003 item 10 (异议处理). The
department's answer is in ``repair.services.answers``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from archives import services as archive_services
from archives.models import CreditRecord
from credit_portal import generations
from credit_portal.exceptions import TransitionNotAllowed
from credit_portal.models import User
from exchange.outbox import emit
from repair import case_types, citizens, permissions
from repair.models import CaseFile, Objection, PersonalStatement
from repair.services import common
from repair.services.answers import changes_from_json

OBJECTION = case_types.OBJECTION


def file_objection(
    record: CreditRecord, *, by: User, reasons: str, files: Iterable[UploadedFile] = ()
) -> Objection:
    """A citizen objects to one of their own current published records.

    The record is flagged at once (DESIGN §7). Both deadlines run from the filing:
    acceptance within ``objection_accept`` and the written answer within
    ``objection_conclude`` (art. 25: from receipt). Refused: someone else's record, a
    record not published and current, a second open objection on the same record,
    files failing the evidence checks.
    """
    subject = citizens.subject_for(by)
    if subject is None or subject.pk != record.archive.subject_id:
        raise PermissionDenied(_("You can only object to your own records."))
    reasons = common.require_reason(reasons, "reasons")
    checked = common.checked_files(files)
    with transaction.atomic():
        locked = CreditRecord.objects.select_for_update().get(pk=record.pk)
        if locked.state != CreditRecord.State.PUBLISHED or not locked.is_current:
            raise TransitionNotAllowed(_("Only a record that is currently published can be objected to."))
        now = timezone.now()
        objection = common.open_case(
            OBJECTION, record=locked, subject=subject, by=by, at=now,
            duplicate=_("There is already an open objection to this record."), reasons=reasons,
        )
        common.store_files(objection, checked, kind=CaseFile.Kind.EVIDENCE, by=by)
        archive_services.set_objection_flag(locked, flagged=True, by=by)
        common.step(objection, "filed", by, due=objection.accept_due, at=now)
        common.notify(objection, _("Your objection has been received"), _(
            "The record is now marked as under objection. The credit office will accept or refuse your objection "
            "by %(due)s."
        ) % {"due": common.shown_date(objection.accept_due)})
    return objection


def accept_objection(objection: Objection, *, by: User) -> Objection:
    """The credit office accepts: the case goes to the source department for
    verification. The answer stays due on the day counted from the filing."""
    with transaction.atomic():
        return common.accept_case(
            objection, by=by, refusal=_("Only a newly filed objection can be accepted."),
            title=_("Your objection has been accepted"),
            body=_("The department that keeps the record is verifying it. You will receive a written answer by %(due)s."),
        )


def concluded_payload(case: Objection, record: CreditRecord, outcome: str, result: str = "unchanged") -> dict[str, Any]:
    minor = common.minors_lineage(record)  # read once for the reason and the person
    return {
        "objection_id": case.pk,
        "record_id": record.pk,
        "lineage": str(record.lineage),
        "outcome": outcome,
        "result": result,
        "concluded_at": case.concluded_at.isoformat(),
        "reason": common.conclusion_sent(case, minor=minor),
        "department": record.archive.department.code,
        **common.person_sent(case, minor=minor),
    }


def refuse_objection(objection: Objection, *, by: User, reason: str) -> Objection:
    """The credit office does not accept a filed objection, with a reason; the flag is cleared."""
    reason = common.require_reason(reason)
    with transaction.atomic():
        case = common.lock_open_case(objection, by)
        if case.state != Objection.State.SUBMITTED:
            raise TransitionNotAllowed(_("Only a newly filed objection can be refused."))
        case.state = Objection.State.REFUSED
        case.refusal_reason = reason
        case.conclusion = reason
        case.concluded_at = timezone.now()
        case.concluded_by = by
        case.result = "unchanged"
        case.save(update_fields=["state", "refusal_reason", "conclusion", "concluded_at", "concluded_by", "result"])
        record = archive_services.set_objection_flag(common.current_version(case.record), flagged=False, by=by)
        common.step(case, "refused", by, note=reason)
        emit("objection.concluded", aggregate=case, payload=concluded_payload(case, record, "refused", "unchanged"))
        common.notify(case, common.state_title(case), _("Reason: %(reason)s") % {"reason": reason})
    return case


def conclude_objection(objection: Objection, *, by: User, reason: str, decision: str | None = None) -> Objection:
    """The credit office concludes an objection the department has answered (signed).

    ``decision`` defaults to the department's answer. correct → ``correct_record``
    (a new version with every corrected field, dates included), withdraw →
    ``withdraw_record``, keep → dismissed, unverifiable → recorded as such and the
    subject may add a personal statement. The flag is cleared. Two officers at once:
    the row lock and the state check let one win; the other changes nothing.
    """
    reason = common.require_reason(reason)
    with transaction.atomic():
        case = common.lock_open_case(objection, by)
        if case.state != Objection.State.PROPOSED:
            raise TransitionNotAllowed(_("The department has not answered this objection yet."))
        decision = decision or case.proposal
        if decision not in Objection.Proposal.values:
            raise ValidationError({"decision": _("Choose the outcome.")})
        record = common.current_version(case.record)
        if decision == Objection.Proposal.CORRECT:
            if not case.proposed_changes:
                raise ValidationError({"decision": _("The department proposed no correction to carry out.")})
            record = archive_services.correct_record(
                record, by=by, reason=reason, **changes_from_json(case.proposed_changes)
            )
            state, result, outcome = Objection.State.UPHELD, "corrected", "upheld"
        elif decision == Objection.Proposal.WITHDRAW:
            record = archive_services.withdraw_record(record, by=by, reason=reason)
            state, result, outcome = Objection.State.UPHELD, "withdrawn", "upheld"
        elif decision == Objection.Proposal.KEEP:
            state, result, outcome = Objection.State.DISMISSED, "unchanged", "dismissed"
        else:
            state, result, outcome = Objection.State.UNVERIFIABLE, "unchanged", "unverifiable"
        record = archive_services.set_objection_flag(record, flagged=False, by=by)
        case.state = state
        case.result = result
        case.resulting_record = record
        case.conclusion = reason
        case.concluded_at = timezone.now()
        case.concluded_by = by
        case.save(update_fields=["state", "result", "resulting_record", "conclusion", "concluded_at", "concluded_by"])
        common.step(case, "concluded", by, note=reason)
        emit("objection.concluded", aggregate=case, payload=concluded_payload(case, record, outcome, result))
        body = reason
        if state == Objection.State.UNVERIFIABLE:
            body += " " + _("You may add a personal statement that will be shown with the record.")
        common.notify(case, common.state_title(case), body)
    return case


def add_personal_statement(objection: Objection, *, by: User, text: str) -> PersonalStatement:
    """The subject attaches a personal statement (本人声明) to a record under objection or
    disputed: while the objection is open, or after it was dismissed or could not be
    verified (DESIGN §7, modelled on 《征信业管理条例》 art. 25). One per objection; shown
    with the record wherever it is shown."""
    text = common.require_reason(text, "text")
    with transaction.atomic():
        case = common.lock(objection)
        if not permissions.is_case_subject(by, case):
            raise PermissionDenied(_("Only the person concerned adds a personal statement."))
        if case.state not in Objection.STATEMENT_STATES:
            raise TransitionNotAllowed(_(
                "A personal statement can be added while the record is under objection or after the objection was "
                "dismissed or could not be verified."
            ))
        if PersonalStatement.objects.filter(objection=case).exists():
            raise TransitionNotAllowed(_("You have already added a personal statement for this record."))
        statement = PersonalStatement.objects.create(
            lineage=case.record.lineage, objection=case, subject_id=case.subject_id, text=text[:2000],
            created_at=timezone.now(),
        )
        common.step(case, "statement_added", by)
        # The public lists show the statement with the record: their cached pages are
        # keyed by the records' generation, which a statement must move as a record does.
        generations.advance_on_commit("records")
    return statement
