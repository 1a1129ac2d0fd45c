"""The full list of archives and departments behind their update cadence (001 §三(五))."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from archives.overdue import overdue_archives, overdue_departments
from archives.selectors import archives_visible_to
from archives.views.base import staff_view
from credit_portal.forms import GovukFormMixin
from departments.models import Department, Occupation

PAGE_SIZE = 50


class OverdueFilterForm(GovukFormMixin, forms.Form):
    department = forms.ModelChoiceField(
        queryset=Department.objects.none(), required=False, label=_("Department"), empty_label=_("Any"),
    )
    occupation = forms.ModelChoiceField(
        queryset=Occupation.objects.none(), required=False, label=_("Occupation"), empty_label=_("Any"),
    )
    kind = forms.ChoiceField(
        choices=[("", _("Any")), *Occupation.Cadence.choices], required=False, label=_("Update cadence"),
    )

    def __init__(self, *args: Any, departments: QuerySet[Department], occupations: QuerySet[Occupation],
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = departments
        self.fields["occupation"].queryset = occupations


@require_GET
@staff_view
def overdue_list(request: HttpRequest) -> HttpResponse:
    """Every department with overdue archives, then every overdue archive (filtered,
    50 a page). Scope is the archives selector's: a department sees its own."""
    in_scope = archives_visible_to(request.user)
    form = OverdueFilterForm(
        request.GET or None,
        departments=Department.objects.filter(id__in=in_scope.values("department_id")).order_by("sort_order", "code"),
        occupations=Occupation.objects.filter(id__in=in_scope.values("occupation_id")).order_by("sort_order", "code"),
    )
    filters: dict[str, Any] = {}
    if form.is_bound and form.is_valid():
        filters = form.cleaned_data
    archives = overdue_archives(
        request.user,
        department=filters.get("department"),
        occupation_id=filters["occupation"].pk if filters.get("occupation") else None,
        kind=filters.get("kind") or "",
    )
    page = Paginator(archives, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "archives/overdue.html", {
        "form": form, "page": page, "departments": overdue_departments(request.user),
    })
