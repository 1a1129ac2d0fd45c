"""The full list of archives and departments behind their update cadence (001 §三(五))."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from archives.forms import OverdueFilterForm
from archives.overdue import overdue_archives, overdue_departments, overdue_filter_choices
from archives.scope import scope_of
from archives.views.base import staff_view
from credit_portal.pagination import CappedPaginator

PAGE_SIZE = 50
# The most archives the list counts and pages through (20 pages). The credit office's
# unfiltered list held 540,000 archives at 1,000,000 people; nobody pages that far, and
# counting them all cost 100 ms a view. The departments' table above gives the totals; a
# department or occupation filter narrows the list to work through it, oldest first.
LIST_MAX = 1_000


@require_GET
@staff_view
def overdue_list(request: HttpRequest) -> HttpResponse:
    """Every department with overdue archives, then every overdue archive (filtered,
    50 a page). Scope is the archives selector's: a department sees its own."""
    scope = scope_of(request.user)  # read once for the choices and both lists
    departments, occupations = overdue_filter_choices(scope)
    form = OverdueFilterForm(request.GET or None, departments=departments, occupations=occupations)
    filters: dict[str, Any] = {}
    if form.is_bound and form.is_valid():
        filters = form.cleaned_data
    summary = overdue_departments(request.user, scope=scope)
    archives = overdue_archives(
        request.user,
        department=filters.get("department"),
        occupation_id=filters["occupation"].pk if filters.get("occupation") else None,
        kind=filters.get("kind") or "",
        scope=scope,
    )
    page = CappedPaginator(archives, PAGE_SIZE, cap=LIST_MAX).get_page(request.GET.get("page"))
    return render(request, "archives/overdue.html", {
        "form": form, "page": page, "departments": summary.departments, "summary": summary, "list_max": LIST_MAX,
    })
