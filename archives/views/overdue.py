"""The full list of archives and departments behind their update cadence (001 §三(五))."""

from __future__ import annotations

from typing import Any

from django.core.paginator import Page
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from archives.forms import OverdueFilterForm
from archives.overdue import overdue_archives, overdue_departments, overdue_filter_choices
from archives.scope import Scope, scope_of
from archives.views.base import staff_view
from credit_portal import generations, statistics
from credit_portal.fragments import LazyReads, fragment_context
from credit_portal.pagination import CappedPaginator

PAGE_SIZE = 50
# The most archives the list counts and pages through (20 pages). The credit office's
# unfiltered list held 540,000 archives at 1,000,000 people; nobody pages that far, and
# counting them all cost 100 ms a view. The departments' table above gives the totals; a
# department or occupation filter narrows the list to work through it, oldest first.
LIST_MAX = 1_000


def _form(request: HttpRequest, scope: Scope) -> OverdueFilterForm:
    departments, occupations = overdue_filter_choices(scope)
    form = OverdueFilterForm(request.GET or None, departments=departments, occupations=occupations)
    if form.is_bound:
        form.is_valid()
    return form


def _page(request: HttpRequest, form: OverdueFilterForm, scope: Scope) -> Page:
    # An invalid filter is shown with its error and the list stays unfiltered.
    filters: dict[str, Any] = form.cleaned_data if form.is_bound and not form.errors else {}
    archives = overdue_archives(
        request.user,
        department=filters.get("department"),
        occupation_id=filters["occupation"].pk if filters.get("occupation") else None,
        kind=filters.get("kind") or "",
        scope=scope,
    )
    return CappedPaginator(archives, PAGE_SIZE, cap=LIST_MAX).get_page(request.GET.get("page"))


@require_GET
@staff_view
def overdue_list(request: HttpRequest) -> HttpResponse:
    """Every department with overdue archives, then every overdue archive (filtered,
    50 a page). Scope is the archives selector's: a department sees its own.

    The page is one cached fragment (``credit_portal.fragments``, as the archive list):
    keyed by the viewer, their scope and access version, the query string (departments,
    occupations, a cadence kind and a page number: no person's name or number), the
    shared figures' moment (the departments' table) and the generations a change of an
    archive's update or of the catalogue (an occupation's cadence) advances on commit. "Overdue" also changes with the clock alone:
    the fragment's lifetime (FRAGMENT_CACHE_SECONDS) bounds that lag, as on the archive
    list and the dashboard. A hit reads nothing but the key's parts."""
    scope = scope_of(request.user)  # read once for the choices and both lists
    figures = statistics.coverage(timezone.localdate().year)
    reads = LazyReads(
        form=lambda: _form(request, scope),
        summary=lambda: overdue_departments(request.user, scope=scope, figures=figures),
        page=lambda: _page(request, reads.form, scope),
    )
    return render(request, "archives/overdue.html", {
        "overdue": reads, "list_max": LIST_MAX,
        **fragment_context(
            request, "overdue-list", scope, request.user.access_version,  # type: ignore[union-attr]
            sorted(request.GET.lists()), figures.computed_at.isoformat(),
            *generations.current("department-work", "records", "catalogue", request=request),
        ),
    })
