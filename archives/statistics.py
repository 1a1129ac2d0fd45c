"""The archives' share of the city figures (``credit_portal.statistics``): the computed
coverage table, the records charts and the archives lines of the yearly progress report.

Each function answers for a whole year in a fixed number of aggregate queries. A
"record this year" is a record first published that year (version 1): corrections of an
older record are not new records.
"""

from __future__ import annotations

from django.db.models import Count, Max, Min, Q
from django.db.models.functions import ExtractMonth
from django.utils.translation import gettext as _

from archives.models import AnnualFinding, Archive, CreditRecord
from archives.selectors import overdue_condition
from credit_portal.statistics import CoverageFigures, Figure, Series, year_bounds
from departments.models import Department, Occupation


def _new_records(year: int):  # noqa: ANN202 - QuerySet[CreditRecord]
    start, end = year_bounds(year)
    return CreditRecord.objects.filter(version=1, published_at__gte=start, published_at__lt=end)


def coverage(year: int) -> dict[tuple[int, int], CoverageFigures]:
    """Per (department, occupation): open archives, records first published in ``year``,
    the last update and the open archives overdue by their cadence. Two queries."""
    rows: dict[tuple[int, int], dict[str, object]] = {}
    overdue = overdue_condition()
    archives = (
        Archive.objects.filter(state=Archive.State.OPEN)
        .values("department_id", "occupation_id")
        .annotate(
            count=Count("id"),
            last=Max("last_updated_at"),
            overdue=Count("id", filter=overdue),
            oldest_overdue=Min("last_updated_at", filter=overdue),
        )
        .order_by()
    )
    for row in archives:
        rows[(row["department_id"], row["occupation_id"])] = {
            "archives": row["count"], "last_update": row["last"], "overdue": row["overdue"],
            "oldest_overdue": row["oldest_overdue"],
        }
    records = (
        _new_records(year)
        .values("archive__department_id", "archive__occupation_id")
        .annotate(count=Count("id"))
        .order_by()
    )
    for row in records:
        key = (row["archive__department_id"], row["archive__occupation_id"])
        rows.setdefault(key, {})["records_this_year"] = row["count"]
    return {key: CoverageFigures(**values) for key, values in rows.items()}


def series(year: int) -> list[Series]:
    """Records first published in ``year`` by department, occupation group, severity and
    month. Four queries plus two for the names."""
    records = _new_records(year)
    count = _("Records")

    by_department = dict(
        records.values_list("archive__department_id").annotate(n=Count("id")).order_by()
    )
    departments = Department.objects.filter(pk__in=by_department).order_by("sort_order", "code")
    by_occupation = dict(
        records.values_list("archive__occupation_id").annotate(n=Count("id")).order_by()
    )
    occupations = Occupation.objects.filter(pk__in=by_occupation).order_by("sort_order", "code")

    by_kind: dict[str, int] = {}
    for polarity, severity, n in (
        records.values_list("polarity", "severity").annotate(n=Count("id")).order_by()
    ):
        key = severity if polarity == CreditRecord.Polarity.NEGATIVE else polarity
        by_kind[key] = by_kind.get(key, 0) + n
    kinds = [
        (CreditRecord.Polarity.POSITIVE, _("Positive")),
        (CreditRecord.Polarity.NEUTRAL, _("Neutral")),
        (CreditRecord.Severity.MINOR, _("Negative, minor")),
        (CreditRecord.Severity.GENERAL, _("Negative, general")),
        (CreditRecord.Severity.SERIOUS, _("Negative, serious")),
    ]

    by_month = dict(
        records.annotate(month=ExtractMonth("published_at")).values_list("month").annotate(n=Count("id")).order_by()
    )
    return [
        Series(
            key="records_by_department", order=10, title=_("Records by department"),
            label_header=_("Department"), columns=(count,),
            rows=tuple((d.display_name, (by_department[d.pk],)) for d in departments),
        ),
        Series(
            key="records_by_occupation", order=20, title=_("Records by occupation group"),
            label_header=_("Occupation group"), columns=(count,),
            rows=tuple((str(o), (by_occupation[o.pk],)) for o in occupations),
        ),
        Series(
            key="records_by_severity", order=30, title=_("Records by kind and severity"),
            label_header=_("Kind"), columns=(count,),
            rows=tuple((str(label), (by_kind.get(key, 0),)) for key, label in kinds),
        ),
        Series(
            key="records_by_month", order=40, title=_("Records by month"),
            label_header=_("Month"), columns=(count,),
            rows=tuple((_("Month %(month)d") % {"month": m}, (by_month.get(m, 0),)) for m in range(1, 13)),
        ),
    ]


def figures(year: int) -> list[Figure]:
    """The archives lines of the yearly progress report (003 §四(一): "每年12月30日前将
    本年工作进展情况报送"). Four queries."""
    start, end = year_bounds(year)
    archives = Archive.objects.filter(state=Archive.State.OPEN).aggregate(
        total=Count("id"),
        opened=Count("id", filter=Q(created_at__gte=start, created_at__lt=end)),
        departments=Count("department_id", distinct=True),
        occupations=Count("occupation_id", distinct=True),
        overdue=Count("id", filter=overdue_condition()),
    )
    records = _new_records(year).aggregate(
        total=Count("id"),
        positive=Count("id", filter=Q(polarity=CreditRecord.Polarity.POSITIVE)),
        negative=Count("id", filter=Q(polarity=CreditRecord.Polarity.NEGATIVE)),
        serious=Count("id", filter=Q(severity=CreditRecord.Severity.SERIOUS)),
    )
    findings = AnnualFinding.objects.filter(year=year, is_current=True, state=AnnualFinding.State.SIGNED).aggregate(
        total=Count("id"),
        warning=Count("id", filter=Q(status=AnnualFinding.Status.WARNING)),
        serious=Count("id", filter=Q(status=AnnualFinding.Status.SERIOUS)),
    )
    section = _("Archives")
    lines = [
        ("departments", _("Departments keeping archives"), archives["departments"]),
        ("occupations", _("Occupation groups with archives"), archives["occupations"]),
        ("archives", _("Open archives"), archives["total"]),
        ("archives_opened", _("Archives opened this year"), archives["opened"]),
        ("archives_overdue", _("Open archives overdue for update"), archives["overdue"]),
        ("records", _("Records published this year"), records["total"]),
        ("records_positive", _("of which positive"), records["positive"]),
        ("records_negative", _("of which negative"), records["negative"]),
        ("records_serious", _("of which serious negative"), records["serious"]),
        ("findings", _("Yearly findings signed for this year"), findings["total"]),
        ("findings_warning", _("of which warning conduct"), findings["warning"]),
        ("findings_serious", _("of which serious dishonesty"), findings["serious"]),
    ]
    return [
        Figure(key=key, label=label, value=value, order=10 + i, section=section)
        for i, (key, label, value) in enumerate(lines)
    ]
