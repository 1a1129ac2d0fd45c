"""Figures for the credit office's view of the city: the computed coverage table, the
yearly progress report and the charts.

The figures come from every app: ``archives`` counts archives and records, ``repair``
counts deadlines met, ``disclosure`` counts queries by purpose. The pages that show them
belong to ``departments`` (the coverage table of 000's annex is its concern), which may
import none of those apps (DESIGN §2: credit_portal ← departments ← archives ←
disclosure, repair). So each app registers its providers here in ``AppConfig.ready()``
and the pages ask this registry, the same way ``archives.annotations`` lets reports
show personal statements without naming ``repair``.

Every provider answers for a whole year in a fixed number of queries (aggregates, never
one query per department or per person), so the pages cost the same at a thousand
people as at a million.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import TypeVar

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone, translation


@dataclass(frozen=True)
class CoverageFigures:
    """What the archives hold for one department and one occupation group."""

    archives: int = 0
    records_this_year: int = 0
    last_update: datetime | None = None
    overdue: int = 0
    # The oldest last update among the overdue ones (the overdue page's "most behind").
    oldest_overdue: datetime | None = None


@dataclass(frozen=True)
class Series:
    """One chart and the table printed under it: labelled counts, in display order.

    ``values`` has one count per column in ``columns`` (a single column for a plain bar
    chart; two for "met / late" pairs)."""

    key: str
    title: str
    label_header: str
    columns: tuple[str, ...]
    rows: tuple[tuple[str, tuple[int, ...]], ...]
    order: int = 100
    note: str = ""

    @property
    def total(self) -> tuple[int, ...]:
        return tuple(sum(values[i] for _label, values in self.rows) for i in range(len(self.columns)))


@dataclass(frozen=True)
class Figure:
    """One line of the yearly progress report: a label and a number."""

    key: str
    label: str
    value: int
    order: int = 100
    section: str = field(default="")


def year_bounds(year: int) -> tuple[datetime, datetime]:
    """[1 January, next 1 January) of ``year`` in the portal's time zone."""
    zone = timezone.get_current_timezone()
    return (
        datetime.combine(date(year, 1, 1), time.min, tzinfo=zone),
        datetime.combine(date(year + 1, 1, 1), time.min, tzinfo=zone),
    )


# year → {(department_id, occupation_id): figures}
CoverageProvider = Callable[[int], dict[tuple[int, int], CoverageFigures]]
SeriesProvider = Callable[[int], list[Series]]
FigureProvider = Callable[[int], list[Figure]]

_T = TypeVar("_T")

_coverage: list[CoverageProvider] = []
_series: list[SeriesProvider] = []
_figures: list[FigureProvider] = []


def _register(registry: list, provider: Callable) -> None:
    # ready() may run more than once (tests): registering again is a no-op.
    if provider not in registry:
        registry.append(provider)


def register_coverage(provider: CoverageProvider) -> None:
    _register(_coverage, provider)


def register_series(provider: SeriesProvider) -> None:
    _register(_series, provider)


def register_figures(provider: FigureProvider) -> None:
    _register(_figures, provider)


@dataclass(frozen=True)
class Coverage:
    """The archives' figures per (department, occupation) and when they were computed."""

    figures: dict[tuple[int, int], CoverageFigures]
    computed_at: datetime


def coverage(year: int, *, fresh: bool = False) -> Coverage:
    """The archives' figures per (department, occupation); one provider (archives)
    is expected, a later one overrides the same keys.

    They are counts of the whole city, the same for every viewer and naming no one, and
    take seconds at a million people (records first published this year: a count over
    every such record). So the pages that show them (coverage, evaluations) share one
    computation for ``FRAGMENT_CACHE_SECONDS``, as the city dashboard's cached fragment
    does, and say as of when. ``fresh`` computes them now: for figures printed or kept
    as of a moment (the yearly report, the figures saved with an evaluation)."""

    def compute() -> Coverage:
        merged: dict[tuple[int, int], CoverageFigures] = {}
        for provider in _coverage:
            merged.update(provider(year))
        return Coverage(figures=merged, computed_at=timezone.now())

    return _shared(f"city-coverage:{year}", compute, fresh=fresh)


def _shared(key: str, compute: Callable[[], _T], *, fresh: bool) -> _T:
    """``compute()``'s result kept under ``key`` for every viewer for
    ``FRAGMENT_CACHE_SECONDS`` (0: never kept); ``fresh`` computes and keeps it now."""
    seconds = settings.FRAGMENT_CACHE_SECONDS
    if not fresh and seconds:
        cached = cache.get(key)
        if cached is not None:
            return cached
    computed = compute()
    if seconds:
        cache.set(key, computed, seconds)
    return computed


@dataclass(frozen=True)
class Dashboard:
    """The city dashboard's figures and charts for one year, and when they were computed."""

    figures: list[Figure]
    series: list[Series]
    computed_at: datetime


def dashboard(year: int, *, fresh: bool = False) -> Dashboard:
    """``figures(year)`` and ``series(year)``, shared by every viewer for
    ``FRAGMENT_CACHE_SECONDS`` like ``coverage``, and kept warm by the beat task
    ``credit_portal.tasks.refresh_city_figures``: at a million people they are five
    aggregates over every record (8-9 s), which a credit officer waited for on the first
    visit of each period, each officer again (the page's fragment is cached per viewer).
    Cached per language: the providers' labels are translated when computed."""

    def compute() -> Dashboard:
        started = timezone.now()
        return Dashboard(figures=figures(year), series=series(year), computed_at=started)

    language = translation.get_language() or settings.LANGUAGE_CODE
    return _shared(f"city-dashboard:{year}:{language}", compute, fresh=fresh)


def refresh(year: int) -> None:
    """Compute the figures the city pages share (coverage, and the dashboard in the
    portal's default language) now and keep them: ``refresh_city_figures``."""
    coverage(year, fresh=True)
    with translation.override(settings.LANGUAGE_CODE):
        dashboard(year, fresh=True)


def series(year: int) -> list[Series]:
    found = [one for provider in _series for one in provider(year)]
    return sorted(found, key=lambda one: (one.order, one.key))


def figures(year: int) -> list[Figure]:
    found = [one for provider in _figures for one in provider(year)]
    return sorted(found, key=lambda one: (one.order, one.key))
