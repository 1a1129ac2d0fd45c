"""Reads of the catalogue and the coverage table.

The catalogue is public (DESIGN §4: the credit office publishes which groups have
archives, who keeps them and what they hold); the coverage table is for those with the
``departments.view_coverageentry`` permission, checked by the views.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Min, Prefetch, QuerySet

from departments.models import (
    CoverageEntry,
    Domain,
    Occupation,
    OccupationCategory,
    OccupationDepartment,
    RecordCategory,
    UpdateCadence,
)


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


def update_cadences() -> QuerySet[UpdateCadence]:
    """Every declared cadence with its occupation, in catalogue order (one query)."""
    return UpdateCadence.objects.select_related("occupation").order_by("occupation__sort_order", "days")
