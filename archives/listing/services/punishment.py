"""Joint punishment (联合惩戒): 003 item 6 "建立对严重失信个人有关信息
发起、相应、惩戒、反馈的工作机制", with the measures each responsible department applies.

A published listing opens one case with one ``CaseMeasure`` per active catalogue
measure that applies to the listing's category, each due back (response and feedback)
within ``rules.FEEDBACK`` working days; "corrected within the time limit → no longer
a target" (003 item 10) is ``mark_corrected``; removal from the list closes the case.
Each step emits ``punishment.updated`` in its transaction (docs/exchange/README.md).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from archives.listing import permissions, rules
from archives.listing.events import emit_case_event
from archives.listing.models import CaseMeasure, Listing, Measure, PunishmentCase
from archives.listing.services.common import notify_listed_person
from archives.models import Notice
from credit_portal import audit
from credit_portal.exceptions import TransitionNotAllowed

if TYPE_CHECKING:
    from credit_portal.models import User


def _audit(action: str, case: PunishmentCase, by: User | None, **detail: object) -> None:
    audit.record(f"listing.case.{action}", actor=by, target=case, subject_ref=str(case.listing.subject_id),
                 detail=detail or None)


def open_case(listing: Listing) -> PunishmentCase:
    """Open the case of a just-published listing (called by ``decide_listing`` inside
    its transaction)."""
    today = timezone.localdate()
    case = PunishmentCase.objects.create(
        listing=listing, opened_at=timezone.now(), correction_due=rules.end_of(rules.Key.CORRECTION, today)
    )
    due = rules.end_of(rules.Key.FEEDBACK, today)
    measures = [m for m in Measure.objects.filter(is_active=True) if m.applies_to(listing.category)]
    CaseMeasure.objects.bulk_create(
        [CaseMeasure(case=case, measure=m, department_id=m.department_id, feedback_due=due) for m in measures]
    )
    _audit("opened", case, None, measures=len(measures), feedback_due=due.isoformat())
    emit_case_event(case, step="opened")
    return case


def record_feedback(item: CaseMeasure, *, by: User, applied: bool, feedback: str) -> CaseMeasure:
    """A department records its response to one measure and its feedback (applied, or
    not applicable with the reason). Callers: staff of the measure's department."""
    if not (feedback or "").strip():
        raise ValidationError({"feedback": _("Describe what your department did.")})
    with transaction.atomic():
        locked = CaseMeasure.objects.select_for_update(of=("self",)).select_related("case__listing").get(pk=item.pk)
        if locked.state != CaseMeasure.State.PENDING or locked.case.state != PunishmentCase.State.OPEN:
            raise TransitionNotAllowed(_("Feedback on this measure has already been recorded or the case is closed."))
        if not permissions.can_respond(by, locked):
            raise PermissionDenied(_("Only staff of the responsible department record the feedback."))
        locked.state = CaseMeasure.State.APPLIED if applied else CaseMeasure.State.NOT_APPLICABLE
        locked.feedback, locked.responded_by, locked.responded_at = feedback.strip(), by, timezone.now()
        locked.save(update_fields=["state", "feedback", "responded_by", "responded_at"])
        _audit("feedback", locked.case, by, measure=locked.measure_id, state=locked.state,
               late=timezone.localdate() > locked.feedback_due)
        emit_case_event(locked.case, step="feedback", measure=locked)
    return locked


def _lift(case: PunishmentCase) -> int:
    return CaseMeasure.objects.filter(
        case=case, state__in=[CaseMeasure.State.PENDING, CaseMeasure.State.APPLIED]
    ).update(state=CaseMeasure.State.LIFTED)


def mark_corrected(case: PunishmentCase, *, by: User, outcome: str) -> PunishmentCase:
    """The person corrected the conduct within the time limit: no longer a target of
    joint punishment (003 item 10), measures lifted. Callers: the credit office, by the
    case's ``correction_due``. The listing itself follows its own exit rules."""
    if not (outcome or "").strip():
        raise ValidationError({"outcome": _("Say how the conduct was corrected.")})
    with transaction.atomic():
        locked = PunishmentCase.objects.select_for_update(of=("self",)).select_related("listing__subject").get(pk=case.pk)
        if locked.state != PunishmentCase.State.OPEN:
            raise TransitionNotAllowed(_("This case is closed."))
        if not permissions.can_mark_corrected(by, locked):
            if timezone.localdate() > locked.correction_due:
                raise TransitionNotAllowed(_("The time limit to correct the conduct ended on %(day)s.") % {
                    "day": locked.correction_due})
            raise PermissionDenied(_("Only the credit office records a correction."))
        locked.state, locked.outcome = PunishmentCase.State.CORRECTED, outcome.strip()
        locked.closed_at, locked.closed_by = timezone.now(), by
        locked.save(update_fields=["state", "outcome", "closed_at", "closed_by"])
        lifted = _lift(locked)
        _audit("corrected", locked, by, lifted=lifted)
        emit_case_event(locked, step="corrected")
        notify_listed_person(
            locked.listing, kind=Notice.Kind.CASE_UPDATE, title=_("You are no longer a target of joint punishment"),
            body=_("You corrected the conduct within the time limit (%(reference)s); the joint-punishment measures "
                   "are lifted.") % {"reference": locked.listing.reference},
        )
    return locked


def close_case(listing: Listing, *, by: User | None) -> None:
    """Close the open case of a listing leaving the list (called inside its transaction)."""
    case = PunishmentCase.objects.select_for_update().filter(listing=listing, state=PunishmentCase.State.OPEN).first()
    if case is None:
        return
    case.state, case.closed_at, case.closed_by = PunishmentCase.State.CLOSED, timezone.now(), by
    case.outcome = str(listing.get_removal_display())
    case.save(update_fields=["state", "closed_at", "closed_by", "outcome"])
    lifted = _lift(case)
    _audit("closed", case, by, lifted=lifted)
    emit_case_event(case, step="closed")
