"""Pages of the departments app: the public catalogue and the coverage table."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from credit_portal.http import user_passes
from departments import exports, permissions, selectors, services
from departments.forms import CoverageEntryForm
from departments.models import Seed


@require_GET
def catalogue(request: HttpRequest) -> HttpResponse:
    """The public catalogue (DESIGN §4): groups, their departments and record categories,
    the seed behind every mapping, the key domains and each category's legal basis."""
    return render(
        request,
        "departments/catalogue.html",
        {
            "sections": selectors.catalogue_sections(),
            "domains": selectors.catalogue_domains(),
            "categories": selectors.catalogue_categories(),
            "seeds": Seed.choices,
        },
    )


# Anonymous users go to the log-in page; signed-in users without the permission get 403.
@require_GET
@login_required
@user_passes(permissions.may_view_coverage)
def coverage(request: HttpRequest) -> HttpResponse:
    """The coverage table of 000's annex, for the credit office (DESIGN §4)."""
    return render(
        request,
        "departments/coverage.html",
        {
            "entries": selectors.coverage_entries(),
            "can_change": permissions.may_change_coverage(request.user),
        },
    )


@require_http_methods(["GET", "POST"])
@login_required
@user_passes(permissions.may_change_coverage)
def coverage_edit(request: HttpRequest, pk: int) -> HttpResponse:
    entry = get_object_or_404(selectors.coverage_entries(), pk=pk)
    if request.method == "POST":
        form = CoverageEntryForm(request.POST)
        if form.is_valid():
            services.update_coverage_entry(entry, by=request.user, **form.cleaned_data)
            messages.success(request, _("Saved the row for %(unit)s.") % {"unit": entry.department.display_name})
            return redirect("departments:coverage")
    else:
        form = CoverageEntryForm(initial=CoverageEntryForm.initial_for(entry))
    return render(request, "departments/coverage_form.html", {"entry": entry, "form": form})


@require_GET
@login_required
@user_passes(permissions.may_view_coverage)
def coverage_export(request: HttpRequest) -> HttpResponse:
    """The coverage table as an Excel file with the annex's Chinese headers."""
    content = exports.coverage_workbook(selectors.coverage_entries())
    response = HttpResponse(
        content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    filename = f"coverage-{timezone.localdate():%Y%m%d}.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response
