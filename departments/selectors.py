"""Reads of the catalogue and the coverage table.

The catalogue is public (DESIGN §4: the credit office publishes which groups have
archives, who keeps them and what they hold); the coverage table is for those with the
``departments.view_coverageentry`` permission, checked by the views.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Min, Prefetch, Q, QuerySet

from credit_portal import statistics
from credit_portal.models import User
from credit_portal.statistics import CoverageFigures
from departments import permissions
from departments.models import (
    CoverageEntry,
    Department,
    DepartmentEvaluation,
    Domain,
    Occupation,
    OccupationCategory,
    OccupationDepartment,
    RecordCategory,
    RuleFiling,
    UpdateCadence,
)
from departments.scope import department_ids


@dataclass(frozen=True)
class CatalogueSection:
    """The occupations of one group (core / local / extended), in catalogue order."""

    group: str
    label: str
    occupations: list[Occupation]


def catalogue_occupations() -> QuerySet[Occupation]:
    """Active occupations with their responsibilities, cadences and categories, in four queries."""
    return Occupation.objects.filter(is_active=True).prefetch_related(
        Prefetch(
            "occupationdepartment_set",
            queryset=OccupationDepartment.objects.select_related("department").order_by(
                "department__sort_order", "department__code"
            ),
        ),
        Prefetch("cadences", queryset=UpdateCadence.objects.order_by("days")),
        Prefetch(
            "occupationcategory_set",
            queryset=OccupationCategory.objects.select_related("category").order_by(
                "category__sort_order", "category__code"
            ),
        ),
    )


def catalogue_sections() -> list[CatalogueSection]:
    """The active occupations grouped as 98号's core groups, the groups a local seed
    adds (001's table) and the extended groups (000 §一 "鼓励探索", 002, 003, 004).

    Four queries however many occupations there are; empty groups are left out.
    """
    by_group: dict[str, list[Occupation]] = {value: [] for value in Occupation.Group.values}
    for occupation in catalogue_occupations():
        by_group.setdefault(occupation.group, []).append(occupation)
    return [
        CatalogueSection(group=value, label=str(label), occupations=by_group[value])
        for value, label in Occupation.Group.choices
        if by_group[value]
    ]


def catalogue_domains() -> QuerySet[Domain]:
    return Domain.objects.order_by("sort_order", "code")


def catalogue_categories() -> QuerySet[RecordCategory]:
    return RecordCategory.objects.order_by("sort_order", "code")


def coverage_entries() -> QuerySet[CoverageEntry]:
    """Rows of 000's annex table in the annex's order, with their departments (one query)."""
    return CoverageEntry.objects.select_related("department").order_by("department__sort_order", "department__code")


def cadence_days_by_occupation() -> dict[int, int]:
    """Each occupation's shortest declared interval between updates, in days (one query).

    001 §三（五）: information is refreshed "按年度、季度或月度" by the cycle it is produced
    in; an archive holding information of several cycles must keep up with the fastest.
    Occupations without a declared cadence are absent: nothing can be overdue for them.
    Callers: the overdue lists of the archives app and the credit office's city view.
    """
    return dict(
        UpdateCadence.objects.order_by().values("occupation_id").annotate(shortest=Min("days")).values_list(
            "occupation_id", "shortest"
        )
    )


@dataclass(frozen=True)
class CoverageRow:
    """One department's line of the computed coverage table (000 annex), summed over
    the occupation groups it keeps, with its filings and the annex's hand-kept row."""

    department: Department
    entry: CoverageEntry | None
    figures: CoverageFigures
    groups: list[tuple[Occupation, CoverageFigures]]
    filings: int
    filings_acknowledged: int
    evaluation: DepartmentEvaluation | None


def _sum(figures: list[CoverageFigures]) -> CoverageFigures:
    updates = [f.last_update for f in figures if f.last_update is not None]
    return CoverageFigures(
        archives=sum(f.archives for f in figures),
        records_this_year=sum(f.records_this_year for f in figures),
        last_update=max(updates) if updates else None,
        overdue=sum(f.overdue for f in figures),
    )


def coverage_table(year: int, coverage: statistics.Coverage | None = None) -> list[CoverageRow]:
    """The coverage table computed from the archives for ``year``: every active
    department that keeps archives (the credit office itself left out), its groups by
    the catalogue's mappings and by the archives it actually holds.

    A fixed number of queries whatever the number of departments, groups or archives
    (the figures are aggregates: ``credit_portal.statistics``)."""
    figures = (coverage or statistics.coverage(year)).figures
    departments = list(
        Department.objects.filter(is_active=True)
        .exclude(kind=Department.Kind.CREDIT_OFFICE)
        .select_related("coverage")
        .order_by("sort_order", "code")
    )
    pairs: set[tuple[int, int]] = set(figures)
    pairs.update(OccupationDepartment.objects.values_list("department_id", "occupation_id"))
    occupations = {o.pk: o for o in Occupation.objects.filter(pk__in={o for _d, o in pairs})}
    filings = {
        row["department_id"]: row
        for row in RuleFiling.objects.values("department_id")
        .annotate(total=Count("id"), acknowledged=Count("id", filter=Q(acknowledged_at__isnull=False)))
        .order_by()
    }
    evaluations = {e.department_id: e for e in DepartmentEvaluation.objects.filter(year=year)}
    rows = []
    for department in departments:
        groups = sorted(
            (
                (occupations[occupation_id], figures.get((department_id, occupation_id), CoverageFigures()))
                for department_id, occupation_id in pairs
                if department_id == department.pk and occupation_id in occupations
            ),
            key=lambda pair: (pair[0].sort_order, pair[0].code),
        )
        filed = filings.get(department.pk, {})
        rows.append(
            CoverageRow(
                department=department,
                entry=getattr(department, "coverage", None),
                figures=_sum([f for _o, f in groups]),
                groups=groups,
                filings=filed.get("total", 0),
                filings_acknowledged=filed.get("acknowledged", 0),
                evaluation=evaluations.get(department.pk),
            )
        )
    return rows


def department_figures(
    department: Department, year: int, coverage: statistics.Coverage | None = None
) -> dict[str, object]:
    """One department's computed figures, as kept with its yearly evaluation: of the
    city's figures computed now, or of ``coverage`` (the shared figures a page shows)."""
    row = next((r for r in coverage_table(year, coverage or statistics.coverage(year, fresh=True))
                if r.department.pk == department.pk), None)
    if row is None:
        return {}
    return {
        "archives": row.figures.archives,
        "records_this_year": row.figures.records_this_year,
        "overdue": row.figures.overdue,
        "last_update": row.figures.last_update.isoformat() if row.figures.last_update else None,
        "filings": row.filings,
        "filings_acknowledged": row.filings_acknowledged,
    }


def rule_filings() -> QuerySet[RuleFiling]:
    """Every filing with its department, newest first."""
    return RuleFiling.objects.select_related("department").order_by("-filed_at", "-pk")


def filings_for(user: User) -> QuerySet[RuleFiling]:
    """Filings the user may see: every department's for the credit office, their own
    departments' for clerks and reviewers."""
    filings = rule_filings()
    if permissions.can_view_city(user):
        return filings
    return filings.filter(department_id__in=department_ids(user))


def departments_to_file_for(user: User) -> QuerySet[Department]:
    return Department.objects.filter(pk__in=department_ids(user), is_active=True).order_by("sort_order", "code")


def evaluation_of(department: Department, year: int) -> DepartmentEvaluation | None:
    return DepartmentEvaluation.objects.filter(department=department, year=year).first()
