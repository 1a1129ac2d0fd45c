"""The full list of archives and departments behind their update cadence (001 §三(五))."""

from __future__ import annotations

from typing import Any

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from archives.forms import OverdueFilterForm
from archives.overdue import overdue_archives, overdue_departments, overdue_filter_choices
from archives.scope import scope_of
from archives.views.base import staff_view

PAGE_SIZE = 50


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
    now = timezone.now()  # one moment for both lists
    behind = overdue_departments(request.user, now=now, scope=scope)
    archives = overdue_archives(
        request.user,
        department=filters.get("department"),
        occupation_id=filters["occupation"].pk if filters.get("occupation") else None,
        kind=filters.get("kind") or "",
        now=now,
        scope=scope,
    )
    paginator = Paginator(archives, PAGE_SIZE)
    if not any(filters.get(name) for name in ("department", "occupation", "kind")):
        # Unfiltered, the list holds exactly the archives the departments' table counts (the
        # same scope at the same moment): its count is their sum, not a second aggregate over
        # every overdue archive (≈ 100 ms at 1,000,000 people).
        paginator.count = sum(row.overdue for row in behind)
    page = paginator.get_page(request.GET.get("page"))
    return render(request, "archives/overdue.html", {"form": form, "page": page, "departments": behind})
