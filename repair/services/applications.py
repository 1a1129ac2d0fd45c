"""Credit repair applications (信用修复): eligibility, commitment, filing, acceptance
or refusal, decision.

Rules: DESIGN §5 (submitted → accepted | refused → approved | rejected), §7; 002
§二(三)5 (告知、约谈、承诺、纠错、修复); 003 item 10 (repair by timely performance,
volunteering, charity); NDRC 《信用修复管理办法》.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from archives import services as archive_services
from archives.models import CreditRecord, DisplayRule, Subject
from archives.services.records.display import repair_opens_on
from credit_portal.exceptions import TransitionNotAllowed
from credit_portal.models import User
from exchange.outbox import emit
from repair import case_types, citizens
from repair.models import CaseFile, RepairApplication
from repair.services import common

APPLICATION = case_types.APPLICATION


@dataclass
class Eligibility:
    repairable: bool
    earliest: date | None
    reasons: list[str] = field(default_factory=list)


def minimum_months(rules: dict[str, int] | None = None) -> dict[str, int]:
    """Minimum display months by severity tier, read once (pass to ``repair_eligibility``
    when checking many records)."""
    return rules if rules is not None else dict(DisplayRule.objects.values_list("tier", "min_months"))


def repair_eligibility(
    record: CreditRecord, *, today: date | None = None, min_months: dict[str, int] | None = None
) -> Eligibility:
    """Whether and from when ``record`` can be repaired (DESIGN §7; NDRC 《信用修复管理办法》):
    negative, published and current; the tier's minimum display period counted from the
    decision date has passed (minor information: none, repairable once the obligation
    is fulfilled). Fulfilment itself is proved by the applicant and checked by the office."""
    today = today or common.today()
    if not record.is_negative:
        return Eligibility(False, None, [_("Only negative information can be repaired.")])
    if record.state != CreditRecord.State.PUBLISHED or not record.is_current:
        return Eligibility(False, None, [_("Only negative information that is currently shown can be repaired.")])
    # The same day the repair notice names on publication (one rule, in the archives).
    earliest = repair_opens_on(record, min_months=min_months)
    if today < earliest:
        return Eligibility(False, earliest, [
            _("The minimum display period has not run out yet; you can apply from %(date)s.") % {
                "date": earliest.isoformat()
            }
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
    by: User,
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
    subject = citizens.subject_for(by)
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
    checked_proof = common.checked_files(proof)
    checked_extra = common.checked_files(extra_files)
    with transaction.atomic():
        locked = CreditRecord.objects.select_for_update().select_related("archive").get(pk=record.pk)
        eligibility = repair_eligibility(locked)
        if not eligibility.repairable:
            raise TransitionNotAllowed(" ".join(eligibility.reasons))
        now = timezone.now()
        application = common.open_case(
            APPLICATION, record=locked, subject=subject, by=by, at=now,
            duplicate=_("There is already an open repair application for this record."),
            fulfilment=fulfilment.strip(), commitment_text=commitment_text_for(locked, subject),
            commitment_confirmed_at=now, extra_actions=(extra_actions or "").strip(),
        )
        common.store_files(application, checked_proof, kind=CaseFile.Kind.FULFILMENT, by=by)
        common.store_files(application, checked_extra, kind=CaseFile.Kind.EXTRA, by=by)
        common.step(application, "filed", by, due=application.accept_due, at=now)
        common.notify(application, _("Your credit repair application has been received"), _(
            "The credit office will accept or refuse it by %(due)s."
        ) % {"due": common.shown_date(application.accept_due)})
    return application


def concluded_payload(case: RepairApplication, record: CreditRecord, outcome: str) -> dict[str, Any]:
    minor = common.minors_lineage(record)  # read once for the reason and the person
    return {
        "application_id": case.pk,
        "record_id": record.pk,
        "lineage": str(record.lineage),
        "outcome": outcome,
        "concluded_at": case.concluded_at.isoformat(),
        "reason": common.conclusion_sent(case, minor=minor),
        "display_ended_on": timezone.localdate(case.concluded_at).isoformat() if outcome == "approved" else None,
        **common.person_sent(case, minor=minor),
    }


def accept_repair(application: RepairApplication, *, by: User) -> RepairApplication:
    """The credit office accepts a filed application; the decision is due
    ``repair_decide`` from the event that rule names (acceptance by default)."""
    with transaction.atomic():
        return common.accept_case(
            application, by=by, refusal=_("Only a newly filed application can be accepted."),
            title=_("Your credit repair application has been accepted"),
            body=_("The credit office will decide by %(due)s."),
        )


def refuse_repair(application: RepairApplication, *, by: User, reason: str) -> RepairApplication:
    reason = common.require_reason(reason)
    with transaction.atomic():
        case = common.lock_open_case(application, by)
        if case.state != RepairApplication.State.SUBMITTED:
            raise TransitionNotAllowed(_("Only a newly filed application can be refused."))
        case.state = RepairApplication.State.REFUSED
        case.refusal_reason = case.conclusion = reason
        case.concluded_at = timezone.now()
        case.concluded_by = by
        case.save(update_fields=["state", "refusal_reason", "conclusion", "concluded_at", "concluded_by"])
        common.step(case, "refused", by, note=reason)
        emit("repair.concluded", aggregate=case, payload=concluded_payload(case, case.record, "refused"))
        common.notify(case, common.state_title(case), _("Reason: %(reason)s") % {"reason": reason})
    return case


def decide_repair(application: RepairApplication, *, by: User, approve: bool, reason: str) -> RepairApplication:
    """Approve (→ ``mark_repaired``: public display, third-party sharing and joint
    punishment end; the department keeps the record marked repaired) or reject."""
    reason = common.require_reason(reason)
    with transaction.atomic():
        case = common.lock_open_case(application, by)
        if case.state != RepairApplication.State.ACCEPTED:
            raise TransitionNotAllowed(_("Only an accepted application can be decided."))
        record = common.current_version(case.record)
        if approve:
            record = archive_services.mark_repaired(record, by=by, reason=reason)
        case.state = RepairApplication.State.APPROVED if approve else RepairApplication.State.REJECTED
        case.conclusion = reason
        case.concluded_at = timezone.now()
        case.concluded_by = by
        case.save(update_fields=["state", "conclusion", "concluded_at", "concluded_by"])
        common.step(case, "approved" if approve else "rejected", by, note=reason)
        emit("repair.concluded", aggregate=case,
             payload=concluded_payload(case, record, "approved" if approve else "rejected"))
        common.notify(case, common.state_title(case), reason)
    return case
