"""Disclosure's share of the city figures (``credit_portal.statistics``): third-party
queries by purpose, granted or refused, and the reports issued in a year. Counts only:
no person is named (the city view is statistics, 003 §四(一)).
"""

from __future__ import annotations

from django.db.models import Count, Q
from django.utils.translation import gettext as _

from credit_portal.statistics import Figure, Series, year_bounds
from disclosure.models import Authorization, CreditReport, QueryLog


def _queries_by_purpose(year: int) -> dict[str, tuple[int, int]]:
    start, end = year_bounds(year)
    rows = (
        QueryLog.objects.filter(occurred_at__gte=start, occurred_at__lt=end)
        .values_list("purpose")
        .annotate(
            granted=Count("id", filter=Q(outcome=QueryLog.Outcome.GRANTED)),
            refused=Count("id", filter=~Q(outcome=QueryLog.Outcome.GRANTED)),
        )
        .order_by()
    )
    return {purpose: (granted, refused) for purpose, granted, refused in rows}


def series(year: int) -> list[Series]:
    counts = _queries_by_purpose(year)
    labels = dict(QueryLog._meta.get_field("purpose").choices)
    rows = tuple(
        (str(label), counts.get(value, (0, 0))) for value, label in labels.items()
    )
    return [
        Series(
            key="queries_by_purpose", order=60, title=_("Queries by purpose"),
            label_header=_("Purpose"), columns=(_("Granted"), _("Refused")), rows=rows,
        )
    ]


def figures(year: int) -> list[Figure]:
    start, end = year_bounds(year)
    in_year = Q(occurred_at__gte=start, occurred_at__lt=end)
    queries = QueryLog.objects.filter(in_year).aggregate(
        total=Count("id"), granted=Count("id", filter=Q(outcome=QueryLog.Outcome.GRANTED)),
    )
    authorizations = Authorization.objects.filter(created_at__gte=start, created_at__lt=end).count()
    reports = CreditReport.objects.filter(issued_at__gte=start, issued_at__lt=end).count()
    section = _("Queries and reports")
    lines = [
        ("queries", _("Queries of a person's record by others"), queries["total"]),
        ("queries_granted", _("of which granted"), queries["granted"]),
        ("authorizations", _("Authorizations given by people"), authorizations),
        ("reports", _("Credit reports issued"), reports),
    ]
    return [
        Figure(key=key, label=label, value=value, order=200 + i, section=section)
        for i, (key, label, value) in enumerate(lines)
    ]
