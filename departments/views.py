"""Pages of the departments app: the public catalogue and the coverage table."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from credit_portal import generations, statistics
from credit_portal.forms import normalize_digits
from credit_portal.fragments import LazyReads, fragment_context
from credit_portal.http import user_passes
from departments import charts, exports, permissions, selectors, services
from departments.forms import CoverageEntryForm, EvaluationForm, RuleFilingForm
from departments.models import Department, Seed


@require_GET
def catalogue(request: HttpRequest) -> HttpResponse:
    """The public catalogue (DESIGN §4): groups, their departments and record categories,
    the seed behind every mapping, the key domains and each category's legal basis."""
    # The whole catalogue (≈ 180 kB of HTML, 50 ms to render) is the same for everyone and
    # names no person: rendered once for all viewers per language and catalogue generation.
    reads = LazyReads(sections=selectors.catalogue_sections, domains=selectors.catalogue_domains,
                      categories=selectors.catalogue_categories)
    return render(
        request,
        "departments/catalogue.html",
        {"reads": reads, "seeds": Seed.choices,
         **fragment_context(request, "catalogue", *generations.current("catalogue", request=request), shared=True)},
    )


# Anonymous users go to the log-in page; signed-in users without the permission get 403.
@require_GET
@login_required
@user_passes(permissions.may_view_coverage)
def coverage(request: HttpRequest) -> HttpResponse:
    """The coverage table of 000's annex, for the credit office (DESIGN §4)."""
    year = timezone.localdate().year
    figures = statistics.coverage(year)
    return render(
        request,
        "departments/coverage.html",
        {
            "year": year,
            "rows": selectors.coverage_table(year, figures),
            "computed_at": figures.computed_at,
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


# --- the credit office's view of the city ------------------------------------------------


def _year(request: HttpRequest) -> int:
    """The year asked for (?year=), else this year; an unusable value falls back to this
    year rather than failing (a bookmark or a typed URL)."""
    this_year = timezone.localdate().year
    value = normalize_digits(request.GET.get("year", ""))
    if re.fullmatch(r"[0-9]{4}", value) and 2000 <= int(value) <= this_year:
        return int(value)
    return this_year


def _require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied


def _yearly_page(request: HttpRequest, template: str, context: Callable[[int], dict[str, object]]) -> HttpResponse:
    """A credit-office page of one year (``?year=``, the last five to choose from)."""
    _require(permissions.can_view_city(request.user))
    year = _year(request)
    this_year = timezone.localdate().year
    return render(request, template, {"year": year, "years": range(this_year, this_year - 5, -1), **context(year)})


@require_GET
@login_required
def city(request: HttpRequest) -> HttpResponse:
    """The credit office's dashboard of the city: the yearly figures and the charts, each
    chart followed by its table."""
    # Computed only when the cached fragment is missing: the template calls these inside
    # {% cache %} (credit_portal.fragments), so a cached dashboard runs none of the
    # providers' aggregate queries. City-wide counts, kept at most FRAGMENT_CACHE_SECONDS;
    # the page says as of when.
    def context(year: int) -> dict[str, object]:
        # Read inside the fragment only, once: shared by every viewer and kept warm in the
        # background (statistics.dashboard); the fragment adds the rendering per viewer.
        reads = LazyReads(dashboard=functools.partial(statistics.dashboard, year))
        return {
            "figures": lambda: reads.dashboard.figures,
            "charts": lambda: [charts.chart(one) for one in reads.dashboard.series],
            "computed_at": lambda: reads.dashboard.computed_at,
            **fragment_context(request, "city-dashboard", year),
        }

    return _yearly_page(request, "departments/city.html", context)


def _require_report_year(request: HttpRequest, year: int) -> None:
    """The yearly report (page or workbook): the city's overseers only, for a year that has begun."""
    _require(permissions.can_view_city(request.user))
    if not 2000 <= year <= timezone.localdate().year:
        raise Http404


def _yearly_report_figures(year: int) -> dict:
    """The city's shared figures for ``year`` (statistics.dashboard and coverage, kept
    warm by the beat task) and the earliest moment they were computed, which the page
    and the workbook print. Computing them afresh for each view took 20.6 s at a million
    people (docs/benchmarks.md, twenty-fifth session), close to the server's timeout;
    shared, the page and its workbook also show the same numbers as of the same time."""
    dashboard = statistics.dashboard(year)
    coverage = statistics.coverage(year)
    return {
        "figures": dashboard.figures,
        "series": dashboard.series,
        "rows": selectors.coverage_table(year, coverage),
        "computed_at": min(dashboard.computed_at, coverage.computed_at),
    }


@require_GET
@login_required
def yearly_report(request: HttpRequest, year: int) -> HttpResponse:
    """The yearly progress report as a print view (003 §四(一))."""
    _require_report_year(request, year)
    return render(request, "departments/yearly_report.html", {"year": year, **_yearly_report_figures(year)})


@require_GET
@login_required
def yearly_report_export(request: HttpRequest, year: int) -> HttpResponse:
    _require_report_year(request, year)
    shown = _yearly_report_figures(year)
    content = exports.yearly_report_workbook(
        year, shown["figures"], shown["rows"], shown["series"], computed_at=shown["computed_at"],
    )
    response = HttpResponse(content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="progress-{year}.xlsx"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_GET
@login_required
def filings(request: HttpRequest) -> HttpResponse:
    """Filed rules: every department's for the credit office, one's own otherwise."""
    user = request.user
    _require(permissions.can_view_city(user) or permissions.can_file_rules(user))
    page = Paginator(selectors.filings_for(user).select_related("department"), 50).get_page(request.GET.get("page"))
    return render(
        request,
        "departments/filings.html",
        {
            "page": page,
            "can_file": permissions.can_file_rules(user),
            "acknowledgeable": {f.pk for f in page if permissions.can_acknowledge(user, f)},
        },
    )


@require_http_methods(["GET", "POST"])
@login_required
def filing_new(request: HttpRequest) -> HttpResponse:
    _require(permissions.can_file_rules(request.user))
    departments = selectors.departments_to_file_for(request.user)
    form = RuleFilingForm(request.POST or None, departments=departments)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        department = data.pop("department")
        services.file_rules(department, by=request.user, **data)
        messages.success(request, _("The rules of %(unit)s were filed with the credit office.") % {
            "unit": department.display_name})
        return redirect("city:filings")
    return render(request, "departments/filing_form.html", {"form": form})


@require_POST
@login_required
def filing_acknowledge(request: HttpRequest, pk: int) -> HttpResponse:
    filing = get_object_or_404(selectors.rule_filings(), pk=pk)
    _require(permissions.can_acknowledge(request.user, filing))
    services.acknowledge_filing(filing, by=request.user)
    messages.success(request, _("Acknowledged the filing of %(unit)s.") % {"unit": filing.department.display_name})
    return redirect("city:filings")


@require_GET
@login_required
def evaluations(request: HttpRequest) -> HttpResponse:
    """Every department's yearly evaluation next to its computed figures."""
    def context(year: int) -> dict[str, object]:
        figures = statistics.coverage(year)
        return {"rows": selectors.coverage_table(year, figures), "computed_at": figures.computed_at,
                "can_evaluate": permissions.can_evaluate(request.user)}

    return _yearly_page(request, "departments/evaluations.html", context)


@require_http_methods(["GET", "POST"])
@login_required
def evaluation_edit(request: HttpRequest, year: int, code: str) -> HttpResponse:
    _require(permissions.can_evaluate(request.user))
    if not 2000 <= year <= timezone.localdate().year:
        raise Http404
    department = get_object_or_404(Department, code=code, is_active=True)
    existing = selectors.evaluation_of(department, year)
    initial = {"grade": existing.grade, "score": existing.score, "notes": existing.notes} if existing else None
    form = EvaluationForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        services.evaluate_department(department, year=year, by=request.user, **form.cleaned_data)
        messages.success(request, _("Saved the %(year)s evaluation of %(unit)s.") % {
            "year": year, "unit": department.display_name})
        return redirect(f"{reverse('city:evaluations')}?year={year}")
    # The figures shown are the city's shared ones (a whole-city computation, seconds at a
    # million people, for one department's line); saving keeps them as of that moment.
    coverage = statistics.coverage(year)
    return render(
        request,
        "departments/evaluation_form.html",
        {"form": form, "department": department, "year": year, "computed_at": coverage.computed_at,
         "figures": selectors.department_figures(department, year, coverage)},
    )
