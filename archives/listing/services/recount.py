"""The listing procedure's deadlines counted again when a year of the official calendar
is entered (``credit_portal.workdays.register_recount``): until then a period running
into that year was counted Monday to Friday. A window granted to the person (to state
their case, to correct the conduct) is never shortened by it; the departments' feedback
takes the official day. Each is counted by its rule in force now, from the day it was
counted from (the notice, the case's opening)."""

from __future__ import annotations

from datetime import date

from django.utils import timezone

from archives.listing import rules
from archives.listing.models import CaseMeasure, Listing, PunishmentCase


def recount_deadlines(since: date) -> int:
    """The open listings' and cases' deadlines falling on or after ``since``; returns the
    rows changed."""
    changed = 0
    for listing in Listing.objects.select_for_update().filter(
        state=Listing.State.PROPOSED, objection_due__gte=since
    ).order_by("pk"):
        due = max(listing.objection_due, rules.end_of(rules.Key.OBJECTION_WINDOW, listing.notified_on))
        if due != listing.objection_due:
            listing.objection_due = due
            listing.save(update_fields=["objection_due"])
            changed += 1
    for case in PunishmentCase.objects.select_for_update().filter(
        state=PunishmentCase.State.OPEN, correction_due__gte=since
    ).order_by("pk"):
        due = max(case.correction_due, rules.end_of(rules.Key.CORRECTION, timezone.localdate(case.opened_at)))
        if due != case.correction_due:
            case.correction_due = due
            case.save(update_fields=["correction_due"])
            changed += 1
    for measure in CaseMeasure.objects.select_for_update(of=("self",)).filter(
        state=CaseMeasure.State.PENDING, feedback_due__gte=since
    ).select_related("case").order_by("pk"):
        due = rules.end_of(rules.Key.FEEDBACK, timezone.localdate(measure.case.opened_at))
        if due != measure.feedback_due:
            measure.feedback_due = due
            measure.save(update_fields=["feedback_due"])
            changed += 1
    return changed
