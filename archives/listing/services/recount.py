"""The listing procedure's open deadlines, for ``credit_portal.workdays`` to count again
when a year of the official calendar is entered (until then a period running into that
year was counted Monday to Friday): the window to state one's case and the time to
correct the conduct (the person's: never shortened), the departments' feedback (the
official day). Each counted by its rule from the day it was counted from (the notice,
the case's opening)."""

from __future__ import annotations

import functools
from datetime import date

from django.utils import timezone

from archives.listing import rules
from archives.listing.models import CaseMeasure, Listing, PunishmentCase
from credit_portal.workdays import Deadline


def open_deadlines(since: date) -> list[Deadline]:
    """The open listings' and cases' deadlines on or after ``since`` (rows locked)."""
    found = [
        Deadline(listing, "objection_due", functools.partial(
            rules.end_of, rules.Key.OBJECTION_WINDOW, listing.notified_on), persons=True)
        for listing in Listing.objects.select_for_update().filter(
            state=Listing.State.PROPOSED, objection_due__gte=since).order_by("pk")
    ]
    found += [
        Deadline(case, "correction_due", functools.partial(
            rules.end_of, rules.Key.CORRECTION, timezone.localdate(case.opened_at)), persons=True)
        for case in PunishmentCase.objects.select_for_update().filter(
            state=PunishmentCase.State.OPEN, correction_due__gte=since).order_by("pk")
    ]
    found += [
        Deadline(measure, "feedback_due", functools.partial(
            rules.end_of, rules.Key.FEEDBACK, timezone.localdate(measure.case.opened_at)))
        for measure in CaseMeasure.objects.select_for_update(of=("self",)).filter(
            state=CaseMeasure.State.PENDING, feedback_due__gte=since).select_related("case").order_by("pk")
    ]
    return found
