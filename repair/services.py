"""Writes of the repair app: objections, corrections, credit repair, assignment, ratings.

Every transition opens one transaction, re-reads the case with ``select_for_update()``,
checks who may act and whether the state allows it, saves, appends its timeline step,
writes the audit trail and emits the step's outbox event (``objection.updated`` /
``repair.updated``; a conclusion also ``*.concluded``). Outcomes for credit
records go through ``archives.services`` only (a correction is a new version).

Rules: DESIGN §5 (lifecycles), §7 (numbers); seeds 001 §三(六) (纠错), 002 §二(三)5
(告知、约谈、承诺、纠错、修复), 003 item 10 (异议处理; repair by timely performance,
volunteering, charity), 004 item 16; 《征信业管理条例》 arts. 25 (objections);
国办发〔2019〕51号 (好差评).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from guardian.core import ObjectPermissionChecker
from guardian.shortcuts import assign_perm, remove_perm

from archives import services as archive_services
from archives.models import CreditRecord, DisplayRule, Notice, Subject
from archives.selectors import can_act_on
from archives.services.evidence import check_upload
from credit_portal import audit
from credit_portal.crypto import sm3_hexdigest
from credit_portal.exceptions import TransitionNotAllowed
from departments.models import Membership
from departments.scope import is_credit_office
from exchange.outbox import emit
from repair import deadlines, identity
from repair.models import CaseEvent, CaseFile, DeadlineRule, Objection, PersonalStatement, Rating, RepairApplication

Case = Objection | RepairApplication
CORRECTABLE_FIELDS = ("title", "description", "severity", "decision_number", "deciding_body")


# --- helpers ---------------------------------------------------------------------------------

def _today() -> date:
    return timezone.localdate()


def _reference(prefix: str) -> str:
    return f"{prefix}-{_today():%Y%m%d}-{uuid.uuid4().hex[:6].upper()}"


def _step(case: Case, action: str, by: object, *, note: str = "", due: date | None = None) -> None:
    """One step of a case, in the caller's transaction: its timeline row, its audit
    entry and its ``objection.updated`` / ``repair.updated`` outbox event (issue 6 §5:
    every step writes the audit trail and emits an outbox event). Steps that conclude
    a case also emit ``*.concluded`` with the outcome, from the step's service."""
    at = timezone.now()
    CaseEvent.objects.create(
        objection=case if isinstance(case, Objection) else None,
        application=case if isinstance(case, RepairApplication) else None,
        action=action, actor=by if getattr(by, "is_authenticated", False) else None,
        note=note, at=at, due=due,
    )
    kind = "objection" if isinstance(case, Objection) else "repair"
    audit.record(
        f"{kind}.{action}", actor=by, target=case, subject_ref=str(case.subject_id),
        detail={"state": case.state, "reference": case.reference, "due": due.isoformat() if due else None},
    )
    emit(f"{kind}.updated", aggregate=case, payload=_updated_payload(case, action, at))


def _updated_payload(case: Case, step: str, at: datetime) -> dict[str, Any]:
    """Payload of ``objection.updated`` / ``repair.updated`` (docs/exchange/schema-v1.json).
    No free text (reasons, statements, notes may hold personal data beyond what the
    platform needs) and no ID number or phone: the person is subject_id + subject_index."""
    return {
        "objection_id" if isinstance(case, Objection) else "application_id": case.pk,
        "reference": case.reference,
        "step": step,
        "state": case.state,
        "record_id": case.record_id,
        "lineage": str(case.record.lineage),
        "accept_due": case.accept_due.isoformat(),
        "decide_due": case.decide_due.isoformat() if case.decide_due else None,
        "occurred_at": at.isoformat(),
        "subject_id": str(case.subject_id),
        "subject_index": case.subject.id_number_index,
    }


def _notify(case: Case, title: str, body: str) -> None:
    archive_services.notify_subject(
        case.subject, kind=Notice.Kind.CASE_UPDATE, title=title,
        body=f"{body} ({_('reference')}: {case.reference})", record=case.record,
    )


def _checked_files(uploads: Iterable[UploadedFile]) -> list[tuple[UploadedFile, Any, bytes]]:
    """Check every file before anything is written: a bad file refuses the whole filing."""
    return [(upload, *check_upload(upload)) for upload in uploads]


def _store_files(case: Case, checked: list[tuple[UploadedFile, Any, bytes]], *, kind: str, by: object) -> None:
    for upload, file_kind, content in checked:
        row = CaseFile(
            objection=case if isinstance(case, Objection) else None,
            application=case if isinstance(case, RepairApplication) else None,
            kind=kind, original_name=(upload.name or "file")[:200], content_type=file_kind.content_type,
            size=len(content), digest=sm3_hexdigest(content), uploaded_by=by, uploaded_at=timezone.now(),
        )
        row.file.save("upload", ContentFile(content), save=False)
        row.save(force_insert=True)


def is_supervisor(user: object) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.has_perm("repair.supervise_case"))


def may_handle(user: object, case: Case) -> bool:
    """Credit office staff act on a case; once it is assigned, only the assigned officer
    (django-guardian object permission) or a supervisor (``repair.supervise_case``)."""
    if not is_credit_office(user):
        return False
    if is_supervisor(user) or case.assigned_to_id is None:
        return True
    codename = "handle_objection" if isinstance(case, Objection) else "handle_repairapplication"
    return case.assigned_to_id == user.pk and ObjectPermissionChecker(user).has_perm(codename, case)


def _require_handler(user: object, case: Case) -> None:
    if not is_credit_office(user):
        raise PermissionDenied(_("Only the credit office handles objections and repair applications."))
    if not may_handle(user, case):
        raise PermissionDenied(_("This case is assigned to another officer."))


def _lock(case: Case) -> Case:
    return type(case).objects.select_for_update().get(pk=case.pk)


def _refuse_if_closed(case: Case) -> None:
    if not case.is_open:
        raise TransitionNotAllowed(_("This case is already concluded; nothing was changed."))


def _require_reason(reason: str, field_name: str = "reason") -> str:
    if not (reason or "").strip():
        raise ValidationError({field_name: _("Give the reason.")})
    return reason.strip()


def _current_version(record: CreditRecord) -> CreditRecord:
    return CreditRecord.objects.get(lineage=record.lineage, is_current=True)


# --- objections ------------------------------------------------------------------------------

def file_objection(record: CreditRecord, *, by: object, reasons: str, files: Iterable[UploadedFile] = ()) -> Objection:
    """A citizen objects to one of their own current published records.

    The record is flagged at once (DESIGN §7) and the credit office has
    ``objection_accept`` working days to accept or refuse. Refused: someone else's
    record, a record not published and current, a second open objection on the same
    record, files failing the evidence checks.
    """
    subject = identity.subject_for(by)
    if subject is None or subject.pk != record.archive.subject_id:
        raise PermissionDenied(_("You can only object to your own records."))
    reasons = _require_reason(reasons, "reasons")
    checked = _checked_files(files)
    with transaction.atomic():
        locked = CreditRecord.objects.select_for_update().get(pk=record.pk)
        if locked.state != CreditRecord.State.PUBLISHED or not locked.is_current:
            raise TransitionNotAllowed(_("Only a record that is currently published can be objected to."))
        if Objection.objects.filter(record=locked, state__in=Objection.OPEN_STATES).exists():
            raise TransitionNotAllowed(_("There is already an open objection to this record."))
        now = timezone.now()
        objection = Objection(
            reference=_reference("YY"), record=locked, subject=subject, filed_by=by, filed_at=now,
            accept_due=deadlines.deadline(DeadlineRule.Key.OBJECTION_ACCEPT, timezone.localdate(now)),
            reasons=reasons,
        )
        try:
            with transaction.atomic():
                objection.save(force_insert=True)
        except IntegrityError:
            raise TransitionNotAllowed(_("There is already an open objection to this record.")) from None
        _store_files(objection, checked, kind=CaseFile.Kind.EVIDENCE, by=by)
        archive_services.set_objection_flag(locked, flagged=True, by=by)
        _step(objection, "filed", by, due=objection.accept_due)
        _notify(objection, _("Your objection has been received"), _(
            "The record is now marked as under objection. The credit office will accept or refuse your objection "
            "by %(due)s."
        ) % {"due": objection.accept_due.isoformat()})
    return objection


def accept_objection(objection: Objection, *, by: object) -> Objection:
    """The credit office accepts: the case goes to the source department for
    verification, and the conclusion is due ``objection_conclude`` days later."""
    with transaction.atomic():
        case = _lock(objection)
        _require_handler(by, case)
        _refuse_if_closed(case)
        if case.state != Objection.State.SUBMITTED:
            raise TransitionNotAllowed(_("Only a newly filed objection can be accepted."))
        now = timezone.now()
        case.state = Objection.State.VERIFYING
        case.accepted_at = now
        case.decide_due = deadlines.deadline(DeadlineRule.Key.OBJECTION_CONCLUDE, timezone.localdate(now))
        case.save(update_fields=["state", "accepted_at", "decide_due"])
        _step(case, "accepted", by, due=case.decide_due)
        _notify(case, _("Your objection has been accepted"), _(
            "The department that keeps the record is verifying it. You will receive a written answer by %(due)s."
        ) % {"due": case.decide_due.isoformat()})
    return case


def _objection_payload(case: Objection, record: CreditRecord, outcome: str, result: str) -> dict[str, Any]:
    return {
        "objection_id": case.pk,
        "record_id": record.pk,
        "lineage": str(record.lineage),
        "outcome": outcome,
        "result": result,
        "concluded_at": case.concluded_at.isoformat(),
        "reason": case.conclusion[:5000],
        "department": record.archive.department.code,
        "subject_id": str(case.subject_id),
        "subject_index": case.subject.id_number_index,
    }


def refuse_objection(objection: Objection, *, by: object, reason: str) -> Objection:
    """The credit office refuses a filed objection, with a reason; the flag is cleared."""
    reason = _require_reason(reason)
    with transaction.atomic():
        case = _lock(objection)
        _require_handler(by, case)
        _refuse_if_closed(case)
        if case.state != Objection.State.SUBMITTED:
            raise TransitionNotAllowed(_("Only a newly filed objection can be refused."))
        case.state = Objection.State.REFUSED
        case.refusal_reason = reason
        case.conclusion = reason
        case.concluded_at = timezone.now()
        case.concluded_by = by
        case.result = "unchanged"
        case.save(update_fields=["state", "refusal_reason", "conclusion", "concluded_at", "concluded_by", "result"])
        record = archive_services.set_objection_flag(_current_version(case.record), flagged=False, by=by)
        _step(case, "refused", by, note=reason)
        emit("objection.concluded", aggregate=case, payload=_objection_payload(case, record, "refused", "unchanged"))
        _notify(case, _("Your objection was not accepted"), _("Reason: %(reason)s") % {"reason": reason})
    return case


def propose_outcome(
    objection: Objection, *, by: object, proposal: str, reason: str, changes: dict[str, Any] | None = None
) -> Objection:
    """The source department answers: correct (with the changed fields), withdraw, keep,
    or cannot verify. Callers: a clerk or reviewer of a department that may act on the
    record's archive."""
    reason = _require_reason(reason)
    if proposal not in Objection.Proposal.values:
        raise ValidationError({"proposal": _("Choose what should happen to the record.")})
    changes = {k: v for k, v in (changes or {}).items() if k in CORRECTABLE_FIELDS and v not in (None, "")}
    if proposal == Objection.Proposal.CORRECT and not changes:
        raise ValidationError({"proposal": _("Say what the corrected record should say.")})
    with transaction.atomic():
        case = _lock(objection)
        archive = case.record.archive
        if not (can_act_on(by, archive, role=Membership.Role.REVIEWER) or can_act_on(by, archive, role=Membership.Role.CLERK)):
            raise PermissionDenied(_("Only the department that keeps the record verifies it."))
        _refuse_if_closed(case)
        if case.state not in {Objection.State.VERIFYING, Objection.State.PROPOSED}:
            raise TransitionNotAllowed(_("The credit office has not accepted this objection yet."))
        case.state = Objection.State.PROPOSED
        case.proposal = proposal
        case.proposal_reason = reason
        case.proposed_changes = changes if proposal == Objection.Proposal.CORRECT else {}
        case.proposed_by = by
        case.proposed_at = timezone.now()
        case.save(update_fields=["state", "proposal", "proposal_reason", "proposed_changes", "proposed_by", "proposed_at"])
        _step(case, "proposed", by, note=f"{case.get_proposal_display()}: {reason}", due=case.decide_due)
    return case


def conclude_objection(objection: Objection, *, by: object, reason: str, decision: str | None = None) -> Objection:
    """The credit office concludes an objection the department has answered.

    ``decision`` defaults to the department's proposal. correct → ``correct_record``
    (a new version), withdraw → ``withdraw_record``, keep → dismissed, unverifiable →
    recorded as such and the subject may add a personal statement. The flag is cleared.
    Two officers concluding at once: the row lock and the state check let one win; the
    other gets ``TransitionNotAllowed`` and changes nothing.
    """
    reason = _require_reason(reason)
    with transaction.atomic():
        case = _lock(objection)
        _require_handler(by, case)
        _refuse_if_closed(case)
        if case.state != Objection.State.PROPOSED:
            raise TransitionNotAllowed(_("The department has not answered this objection yet."))
        decision = decision or case.proposal
        if decision not in Objection.Proposal.values:
            raise ValidationError({"decision": _("Choose the outcome.")})
        record = _current_version(case.record)
        if decision == Objection.Proposal.CORRECT:
            if not case.proposed_changes:
                raise ValidationError({"decision": _("The department proposed no correction to carry out.")})
            record = archive_services.correct_record(record, by=by, reason=reason, **case.proposed_changes)
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
        _step(case, "concluded", by, note=reason)
        emit("objection.concluded", aggregate=case, payload=_objection_payload(case, record, outcome, result))
        body = _("Outcome: %(outcome)s. %(reason)s") % {"outcome": case.get_state_display(), "reason": reason}
        if state == Objection.State.UNVERIFIABLE:
            body += " " + _("You may add a personal statement that will be shown with the record.")
        _notify(case, _("Your objection has been answered"), body)
    return case


def add_personal_statement(objection: Objection, *, by: object, text: str) -> PersonalStatement:
    """The subject attaches a personal statement (本人声明) to a record that could not be
    verified (DESIGN §7). One per objection."""
    text = _require_reason(text, "text")
    subject = identity.subject_for(by)
    with transaction.atomic():
        case = _lock(objection)
        if subject is None or subject.pk != case.subject_id:
            raise PermissionDenied(_("Only the person concerned adds a personal statement."))
        if case.state != Objection.State.UNVERIFIABLE:
            raise TransitionNotAllowed(_("A personal statement can be added only where the record could not be verified."))
        if PersonalStatement.objects.filter(objection=case).exists():
            raise TransitionNotAllowed(_("You have already added a personal statement for this record."))
        statement = PersonalStatement.objects.create(
            lineage=case.record.lineage, objection=case, subject_id=case.subject_id, text=text[:2000],
            created_at=timezone.now(),
        )
        _step(case, "statement_added", by)
    return statement


# --- corrections without an objection ---------------------------------------------------------

def correct_on_initiative(
    record: CreditRecord, *, by: object, action: str, reason: str, changes: dict[str, Any] | None = None
) -> CreditRecord:
    """A department reviewer or the credit office corrects or withdraws a published
    record on its own initiative (001 §三(六): 及时处理、更正…错误信息). The archives
    services check the caller, write the audit trail and emit the record event."""
    reason = _require_reason(reason)
    if action == "correct":
        changes = {k: v for k, v in (changes or {}).items() if k in CORRECTABLE_FIELDS and v not in (None, "")}
        if not changes:
            raise ValidationError({"title": _("Change at least one field.")})
        return archive_services.correct_record(record, by=by, reason=reason, **changes)
    if action == "withdraw":
        return archive_services.withdraw_record(record, by=by, reason=reason)
    raise ValidationError({"action": _("Choose to correct or to withdraw the record.")})


# --- credit repair ---------------------------------------------------------------------------

@dataclass
class Eligibility:
    repairable: bool
    earliest: date | None
    reasons: list[str] = field(default_factory=list)


def repair_eligibility(record: CreditRecord, *, today: date | None = None) -> Eligibility:
    """Whether and from when ``record`` can be repaired (DESIGN §7; NDRC 《信用修复管理办法》):
    negative, published and current; the tier's minimum display period counted from the
    decision date has passed (minor information: none, repairable once the obligation
    is fulfilled). Fulfilment itself is proved by the applicant and checked by the office."""
    today = today or _today()
    if not record.is_negative:
        return Eligibility(False, None, [_("Only negative information can be repaired.")])
    if record.state != CreditRecord.State.PUBLISHED or not record.is_current:
        return Eligibility(False, None, [_("Only negative information that is currently shown can be repaired.")])
    if record.severity == CreditRecord.Severity.MINOR:
        earliest = record.decided_on
    else:
        rule = DisplayRule.objects.filter(tier=record.severity).first()
        months = rule.min_months if rule is not None else 0
        earliest = archive_services.add_months(record.decided_on, months)
    if today < earliest:
        return Eligibility(False, earliest, [
            _("The minimum display period ends on %(date)s; you can apply from then.") % {"date": earliest.isoformat()}
        ])
    return Eligibility(True, earliest, [])


def commitment_text_for(record: CreditRecord, subject: Subject) -> str:
    """The credit commitment (信用承诺书) generated for the applicant to confirm
    (DESIGN §7; 002 §二(三)5 承诺)."""
    return _(
        "I, %(name)s, have fulfilled every obligation set by the decision \"%(title)s\" (%(number)s) and undertake "
        "to abide by the law and keep my word. I confirm that what I have stated and the proof I have given are "
        "true. If I break this commitment, I accept that the repair is revoked and that the breach is recorded in "
        "my credit archive."
    ) % {"name": subject.name, "title": record.title, "number": record.decision_number or "—"}


def apply_for_repair(
    record: CreditRecord,
    *,
    by: object,
    fulfilment: str,
    commitment_confirmed: bool,
    proof: Iterable[UploadedFile] = (),
    extra_actions: str = "",
    extra_files: Iterable[UploadedFile] = (),
) -> RepairApplication:
    """A citizen applies to repair one of their own negative records.

    Refused: someone else's record, not eligible yet (minimum period), no proof of
    fulfilment, no confirmed commitment, a second open application, bad files.
    """
    subject = identity.subject_for(by)
    if subject is None or subject.pk != record.archive.subject_id:
        raise PermissionDenied(_("You can only apply to repair your own records."))
    errors: dict[str, str] = {}
    if not (fulfilment or "").strip():
        errors["fulfilment"] = _("Say how you fulfilled the obligations.")
    if not commitment_confirmed:
        errors["commitment"] = _("Confirm the credit commitment: a repair needs it.")
    proof = list(proof)
    if not proof:
        errors["proof"] = _("Add proof that the obligations are fulfilled.")
    if errors:
        raise ValidationError(errors)
    checked_proof = _checked_files(proof)
    checked_extra = _checked_files(extra_files)
    with transaction.atomic():
        locked = CreditRecord.objects.select_for_update().select_related("archive").get(pk=record.pk)
        eligibility = repair_eligibility(locked)
        if not eligibility.repairable:
            raise TransitionNotAllowed(" ".join(eligibility.reasons))
        if RepairApplication.objects.filter(record=locked, state__in=RepairApplication.OPEN_STATES).exists():
            raise TransitionNotAllowed(_("There is already an open repair application for this record."))
        now = timezone.now()
        application = RepairApplication(
            reference=_reference("XF"), record=locked, subject=subject, filed_by=by, filed_at=now,
            accept_due=deadlines.deadline(DeadlineRule.Key.REPAIR_ACCEPT, timezone.localdate(now)),
            fulfilment=fulfilment.strip(), commitment_text=commitment_text_for(locked, subject),
            commitment_confirmed_at=now, extra_actions=(extra_actions or "").strip(),
        )
        try:
            with transaction.atomic():
                application.save(force_insert=True)
        except IntegrityError:
            raise TransitionNotAllowed(_("There is already an open repair application for this record.")) from None
        _store_files(application, checked_proof, kind=CaseFile.Kind.FULFILMENT, by=by)
        _store_files(application, checked_extra, kind=CaseFile.Kind.EXTRA, by=by)
        _step(application, "filed", by, due=application.accept_due)
        _notify(application, _("Your credit repair application has been received"), _(
            "The credit office will accept or refuse it by %(due)s."
        ) % {"due": application.accept_due.isoformat()})
    return application


def _repair_payload(case: RepairApplication, record: CreditRecord, outcome: str) -> dict[str, Any]:
    return {
        "application_id": case.pk,
        "record_id": record.pk,
        "lineage": str(record.lineage),
        "outcome": outcome,
        "concluded_at": case.concluded_at.isoformat(),
        "reason": case.conclusion[:5000],
        "display_ended_on": timezone.localdate(case.concluded_at).isoformat() if outcome == "approved" else None,
        "subject_id": str(case.subject_id),
        "subject_index": case.subject.id_number_index,
    }


def accept_repair(application: RepairApplication, *, by: object) -> RepairApplication:
    with transaction.atomic():
        case = _lock(application)
        _require_handler(by, case)
        _refuse_if_closed(case)
        if case.state != RepairApplication.State.SUBMITTED:
            raise TransitionNotAllowed(_("Only a newly filed application can be accepted."))
        now = timezone.now()
        case.state = RepairApplication.State.ACCEPTED
        case.accepted_at = now
        case.decide_due = deadlines.deadline(DeadlineRule.Key.REPAIR_DECIDE, timezone.localdate(now))
        case.save(update_fields=["state", "accepted_at", "decide_due"])
        _step(case, "accepted", by, due=case.decide_due)
        _notify(case, _("Your credit repair application has been accepted"), _(
            "The credit office will decide by %(due)s."
        ) % {"due": case.decide_due.isoformat()})
    return case


def refuse_repair(application: RepairApplication, *, by: object, reason: str) -> RepairApplication:
    reason = _require_reason(reason)
    with transaction.atomic():
        case = _lock(application)
        _require_handler(by, case)
        _refuse_if_closed(case)
        if case.state != RepairApplication.State.SUBMITTED:
            raise TransitionNotAllowed(_("Only a newly filed application can be refused."))
        case.state = RepairApplication.State.REFUSED
        case.refusal_reason = case.conclusion = reason
        case.concluded_at = timezone.now()
        case.concluded_by = by
        case.save(update_fields=["state", "refusal_reason", "conclusion", "concluded_at", "concluded_by"])
        _step(case, "refused", by, note=reason)
        emit("repair.concluded", aggregate=case, payload=_repair_payload(case, case.record, "refused"))
        _notify(case, _("Your credit repair application was not accepted"), _("Reason: %(reason)s") % {"reason": reason})
    return case


def decide_repair(application: RepairApplication, *, by: object, approve: bool, reason: str) -> RepairApplication:
    """Approve (→ ``mark_repaired``: public display, third-party sharing and joint
    punishment end; the department keeps the record marked repaired) or reject."""
    reason = _require_reason(reason)
    with transaction.atomic():
        case = _lock(application)
        _require_handler(by, case)
        _refuse_if_closed(case)
        if case.state != RepairApplication.State.ACCEPTED:
            raise TransitionNotAllowed(_("Only an accepted application can be decided."))
        record = _current_version(case.record)
        if approve:
            record = archive_services.mark_repaired(record, by=by, reason=reason)
        case.state = RepairApplication.State.APPROVED if approve else RepairApplication.State.REJECTED
        case.conclusion = reason
        case.concluded_at = timezone.now()
        case.concluded_by = by
        case.save(update_fields=["state", "conclusion", "concluded_at", "concluded_by"])
        _step(case, "approved" if approve else "rejected", by, note=reason)
        emit("repair.concluded", aggregate=case, payload=_repair_payload(case, record, "approved" if approve else "rejected"))
        _notify(case, _("Your credit repair application has been decided"), _("Outcome: %(outcome)s. %(reason)s") % {
            "outcome": case.get_state_display(), "reason": reason,
        })
    return case


# --- assignment ------------------------------------------------------------------------------

def assign_case(case: Case, *, officer: object, by: object) -> Case:
    """Give a case to one credit-office officer (object permission). A supervisor assigns
    any case; an officer may take an unassigned one for themself."""
    if not is_credit_office(officer):
        raise ValidationError({"officer": _("Cases are assigned to credit office staff only.")})
    codename = "handle_objection" if isinstance(case, Objection) else "handle_repairapplication"
    with transaction.atomic():
        locked = _lock(case)
        _refuse_if_closed(locked)
        if not (is_supervisor(by) or (by == officer and locked.assigned_to_id is None and is_credit_office(by))):
            raise PermissionDenied(_("Only a supervisor assigns cases; you may take an unassigned case yourself."))
        if locked.assigned_to_id is not None and locked.assigned_to_id != officer.pk:
            remove_perm(f"repair.{codename}", locked.assigned_to, locked)
        locked.assigned_to = officer
        locked.save(update_fields=["assigned_to"])
        assign_perm(f"repair.{codename}", officer, locked)
        _step(locked, "assigned", by, note=officer.get_username())
    return locked


# --- ratings ---------------------------------------------------------------------------------

def rate_case(case: Case, *, by: object, score: int, comment: str = "") -> Rating:
    """The citizen rates a finished case on the five-level 好差评 scale (国办发〔2019〕51号);
    a poor rating (1 or 2) becomes a follow-up task for the credit office."""
    subject = identity.subject_for(by)
    if subject is None or subject.pk != case.subject_id:
        raise PermissionDenied(_("Only the person concerned rates the case."))
    if score not in Rating.Score.values:
        raise ValidationError({"score": _("Choose a rating from 1 to 5.")})
    poor = score in Rating.POOR
    if poor and not (comment or "").strip():
        raise ValidationError({"comment": _("Tell us what went wrong so that it can be put right.")})
    with transaction.atomic():
        locked = _lock(case)
        if locked.is_open:
            raise TransitionNotAllowed(_("You can rate a case once it is finished."))
        kwargs = {"objection": locked} if isinstance(locked, Objection) else {"application": locked}
        if Rating.objects.filter(**kwargs).exists():
            raise TransitionNotAllowed(_("You have already rated this case."))
        rating = Rating.objects.create(
            score=score, comment=(comment or "").strip(), rated_at=timezone.now(), needs_follow_up=poor, **kwargs
        )
        _step(locked, "rated", by, note=str(score))
    return rating


def follow_up_rating(rating: Rating, *, by: object, note: str) -> Rating:
    note = _require_reason(note, "note")
    if not is_credit_office(by):
        raise PermissionDenied(_("Only the credit office follows up ratings."))
    with transaction.atomic():
        locked = Rating.objects.select_for_update().get(pk=rating.pk)
        if not locked.needs_follow_up or locked.followed_up_at is not None:
            raise TransitionNotAllowed(_("This rating needs no follow-up."))
        locked.follow_up_note = note
        locked.followed_up_at = timezone.now()
        locked.followed_up_by = by
        locked.save(update_fields=["follow_up_note", "followed_up_at", "followed_up_by"])
        case = locked.objection or locked.application
        _step(case, "rating_followed_up", by)
    return locked
