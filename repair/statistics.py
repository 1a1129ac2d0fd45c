"""Repair's share of the city figures (``credit_portal.statistics``): whether
objections and repair applications concluded in a year met their legal deadlines
(acceptance within its working days, conclusion by the due date: DESIGN §7,
《征信业管理条例》 art. 25 for objections), and how many open cases are late now.
"""

from __future__ import annotations

from django.db.models import Count, F, Q
from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.translation import gettext as _

from credit_portal.statistics import Figure, Series
from repair import case_types


def _deadline_counts(case_type: case_types.CaseType, year: int) -> dict[str, int]:
    """Cases of one type concluded in ``year`` (withdrawn ones left out), those that met
    every deadline, and open cases past their current deadline today. Two queries."""
    model = case_type.model
    withdrawn = model.State.WITHDRAWN
    concluded = (
        model.objects.exclude(state=withdrawn)
        .filter(concluded_at__isnull=False)
        .annotate(concluded_day=TruncDate("concluded_at"), accepted_day=TruncDate("accepted_at"))
        .filter(concluded_day__year=year)
    )
    met = Q(accepted_at__isnull=True, concluded_day__lte=F("accept_due")) | Q(
        accepted_at__isnull=False, accepted_day__lte=F("accept_due"), concluded_day__lte=F("decide_due")
    )
    counts = concluded.aggregate(total=Count("id"), met=Count("id", filter=met))
    today = timezone.localdate()
    counts["late_open"] = model.objects.filter(state__in=model.OPEN_STATES).filter(
        Q(accepted_at__isnull=True, accept_due__lt=today) | Q(accepted_at__isnull=False, decide_due__lt=today)
    ).count()
    return counts


def series(year: int) -> list[Series]:
    rows = []
    for case_type in case_types.BY_SLUG.values():
        counts = _deadline_counts(case_type, year)
        rows.append((str(case_type.label), (counts["met"], counts["total"] - counts["met"])))
    return [
        Series(
            key="case_deadlines", order=50, title=_("Objections and repair: deadlines met"),
            label_header=_("Case"), columns=(_("Met every deadline"), _("Late")), rows=tuple(rows),
            note=_("Cases concluded this year; withdrawn cases are not counted."),
        )
    ]


def figures(year: int) -> list[Figure]:
    section = _("Objections and credit repair")
    lines: list[Figure] = []
    for offset, case_type in enumerate(case_types.BY_SLUG.values()):
        counts = _deadline_counts(case_type, year)
        label = str(case_type.label)
        base = 100 + offset * 10
        lines += [
            Figure(key=f"{case_type.slug}_concluded", order=base, section=section,
                   label=_("%(case)s: concluded this year") % {"case": label}, value=counts["total"]),
            Figure(key=f"{case_type.slug}_met", order=base + 1, section=section,
                   label=_("%(case)s: of which within every deadline") % {"case": label}, value=counts["met"]),
            Figure(key=f"{case_type.slug}_late_open", order=base + 2, section=section,
                   label=_("%(case)s: open and past a deadline today") % {"case": label}, value=counts["late_open"]),
        ]
    return lines
