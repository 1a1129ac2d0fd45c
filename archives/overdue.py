"""Reads of the update cadence: which open archives, and which departments, are behind.

001 §三（五）: "各类信用信息要依据信息产生的周期，按年度、季度或月度更新信用记录". The
cadence per occupation and kind is catalogue data (``departments.UpdateCadence``); an
open archive is overdue when it was not updated within its occupation's shortest
declared interval. Scope is the archives selector's (``archives_visible_to``), so a
department sees its own backlog and the credit office the whole city's.

These are the functions other views build on (the dashboard, the archive list's
filter, the credit office's city view): one rule, one place.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from django.db.models import Count, Min, Prefetch, Q, QuerySet
from django.utils import timezone

from archives.models import Archive
from archives.scope import departments_in_scope, occupations_in_scope, scope_of
from archives.selectors import archives_visible_to
from credit_portal import statistics
from departments.models import Department, Occupation, UpdateCadence
from departments.selectors import cadence_days_by_occupation

if TYPE_CHECKING:
    from archives.scope import Scope, Viewer


def overdue_condition(*, now: datetime | None = None) -> Q:
    """The ``Q`` over ``Archive`` that selects open archives past their cadence.

    One query (the shortest interval per occupation); the condition groups the
    occupations by interval, so it stays a handful of index-friendly comparisons
    however many occupations there are.
    """
    now = now or timezone.now()
    by_days: dict[int, list[int]] = {}
    for occupation_id, days in cadence_days_by_occupation().items():
        by_days.setdefault(days, []).append(occupation_id)
    if not by_days:
        return Q(pk__in=[])
    condition = Q()
    for days, occupation_ids in sorted(by_days.items()):
        condition |= Q(occupation_id__in=occupation_ids, last_updated_at__lt=now - timedelta(days=days))
    return condition & Q(state=Archive.State.OPEN)


def overdue_archives(
    user: Viewer,
    *,
    department: Department | None = None,
    occupation_id: int | None = None,
    kind: str = "",
    now: datetime | None = None,
    scope: Scope | None = None,
) -> QuerySet[Archive]:
    """Open archives in ``user``'s scope not updated within their cadence, oldest first.

    Filters: the keeping department, the occupation, and the cadence kind the occupation
    declares (an occupation with a monthly kind is found under "monthly"); ``scope``:
    ``archives.scope.scope_of(user)`` when the caller has read it. Each archive
    carries its occupation's cadences (one prefetch query), so lists show why it is late.
    """
    qs = archives_visible_to(user, scope=scope).filter(overdue_condition(now=now))
    if department is not None:
        qs = qs.filter(department=department)
    if occupation_id is not None:
        qs = qs.filter(occupation_id=occupation_id)
    if kind:
        qs = qs.filter(occupation__in=UpdateCadence.objects.filter(kind=kind).values("occupation_id"))
    return qs.prefetch_related(
        Prefetch("occupation__cadences", queryset=UpdateCadence.objects.order_by("days"))
    ).order_by("last_updated_at", "pk")


@dataclass(frozen=True)
class OverdueDepartment:
    """A department with archives behind their cadence: how many, and since when."""

    department: Department
    overdue: int
    oldest_update: datetime


@dataclass(frozen=True)
class OverdueSummary:
    """The departments behind, most behind first, and when they were counted."""

    departments: list[OverdueDepartment]
    computed_at: datetime


def overdue_departments(
    user: Viewer, *, scope: Scope | None = None, figures: statistics.Coverage | None = None
) -> OverdueSummary:
    """Departments in ``user``'s scope with at least one overdue archive, most behind first.

    Counted from the city's shared coverage figures (``credit_portal.statistics.coverage``:
    per department and occupation, the overdue archives and the oldest of their updates,
    computed once for every viewer and kept warm by the beat task), not by an aggregate
    over the overdue archives on each page: at 1,000,000 people that was 100-220 ms for
    the 540,000 overdue archives of the demo data, on every visit of every clerk. So the
    summary is as of ``computed_at`` (at most ``FRAGMENT_CACHE_SECONDS`` old), which the
    page prints. The scope's departments and co-responsible
    occupations are whole (department, occupation) cells of that table; archives shared
    with the user's departments outside them are a handful, counted now (one query).
    ``figures``: the shared figures when the caller has read them.
    """
    scope = scope or scope_of(user)
    shared = figures or statistics.coverage(timezone.localdate().year)
    counts: dict[int, tuple[int, datetime]] = {}

    def add(department_id: int, overdue: int, oldest: datetime) -> None:
        before = counts.get(department_id)
        counts[department_id] = (overdue, oldest) if before is None else (before[0] + overdue, min(before[1], oldest))

    departments, occupations = set(scope.department_ids), set(scope.occupation_ids)
    for (department_id, occupation_id), cell in shared.figures.items():
        if cell.overdue and cell.oldest_overdue is not None and (
            scope.unrestricted or department_id in departments or occupation_id in occupations
        ):
            add(department_id, cell.overdue, cell.oldest_overdue)
    if not scope.unrestricted and scope.shared_ids:
        outside = (
            Archive.objects.filter(id__in=scope.shared_ids).filter(overdue_condition())
            .exclude(department_id__in=departments).exclude(occupation_id__in=occupations)
            .order_by().values("department_id").annotate(overdue=Count("pk"), oldest=Min("last_updated_at"))
        )
        for row in outside:
            add(row["department_id"], row["overdue"], row["oldest"])
    if not counts:
        return OverdueSummary(departments=[], computed_at=shared.computed_at)
    named = Department.objects.in_bulk(list(counts))
    rows = [
        OverdueDepartment(department=named[pk], overdue=overdue, oldest_update=oldest)
        for pk, (overdue, oldest) in counts.items()
    ]
    rows.sort(key=lambda item: (-item.overdue, item.department.sort_order, item.department.code))
    return OverdueSummary(departments=rows, computed_at=shared.computed_at)


def overdue_filter_choices(scope: Scope) -> tuple[QuerySet[Department], QuerySet[Occupation]]:
    """The departments and occupations the overdue page's filters offer: those of the
    scope (``archives.scope.departments_in_scope``, ``occupations_in_scope``)."""
    return departments_in_scope(scope), occupations_in_scope(scope)
