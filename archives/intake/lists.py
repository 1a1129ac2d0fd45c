"""The department's archive list with filters and its .xlsx export (001 §三(五) for
"overdue"). The clerk's own drafts, submitted and returned records, imported ones
included, are on the archives "my items" page.

Filters travel in the query string: they are occupations, unit names, states and
years, never a person's name or ID number (DESIGN §8). Scope is the archives
selector's (``archives_visible_to``); the list never decrypts (masked ID numbers).
"""

from __future__ import annotations

from io import BytesIO
from typing import Any

from django.contrib import messages
from django.contrib.humanize.templatetags.humanize import intcomma
from django.core.paginator import Page
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from archives.intake import selectors
from archives.intake.access import staff_view
from archives.intake.forms import ArchiveFilterForm
from archives.models import Archive
from archives.scope import Scope, occupations_in_scope, scope_of
from credit_portal import audit, generations
from credit_portal.fragments import LazyReads, fragment_context
from credit_portal.pagination import CappedPaginator, counted_to

PAGE_SIZE = 50
# The most archives one export holds. An export is built while the clerk waits, within
# the server's request limit (gunicorn.conf.py: 60 seconds unless set otherwise): at
# about 5,000 rows a second, 20,000 rows take four seconds. A department's whole list
# at city scale (hundreds of thousands) never finishes there, so a larger export is
# refused with a message to narrow the filters, and the list offers no button for it.
EXPORT_MAX_ROWS = 20_000


def _filters(request: HttpRequest, scope: Scope | None = None) -> tuple[ArchiveFilterForm, QuerySet[Archive]]:
    """The filter form and the user's archives it selects (the scope read once for both)."""
    scope = scope or scope_of(request.user)
    form = ArchiveFilterForm(request.GET or None, occupations=occupations_in_scope(scope))
    # An invalid filter is shown with its error; the valid ones still apply.
    filters: dict[str, Any] = {}
    if form.is_bound:
        form.is_valid()
        filters = form.cleaned_data
    return form, selectors.department_archives(request.user, filters, scope=scope)


def _page(request: HttpRequest, archives: QuerySet[Archive]) -> Page:
    # The page's archives are chosen by id first and their lines read after: sorting every
    # archive in scope with its person's and department's columns took 0.8 s for a scope of
    # 500,000 (PostgreSQL joined the wide rows before the sort), the ids alone 0.2 s. The
    # second read repeats the scope and the filters, and the order is total (the primary
    # key last), so the page's archives come back in the page's order.
    paginator = CappedPaginator(archives.values_list("pk", flat=True), PAGE_SIZE, cap=EXPORT_MAX_ROWS)
    page = paginator.get_page(request.GET.get("page"))
    page.object_list = selectors.archive_rows(archives, list(page.object_list))
    return page


@require_GET
@staff_view
def archive_list(request: HttpRequest) -> HttpResponse:
    scope = scope_of(request.user)
    # The filters, the count, the lines and the pages are one cached fragment
    # (credit_portal.fragments) keyed by the viewer, their scope and access version, the
    # query string (filters and page: unit names, states and years, never a person's name
    # or ID number, DESIGN §8) and the generations every change of what the list shows
    # advances on commit: "department-work" (an archive opened, imported, edited, closed or
    # updated, a person renamed, a yearly finding signed) and "records" (a record published,
    # withdrawn or expired: "has negative records"). A hit reads none of it; a clerk paging
    # back, or returning from an archive, is served from it. "Overdue" changes with the
    # clock alone: the fragment's lifetime (FRAGMENT_CACHE_SECONDS) bounds that lag, as on
    # the dashboard's overdue list.
    reads = LazyReads(
        filters=lambda: _filters(request, scope),
        form=lambda: reads.filters[0],
        page=lambda: _page(request, reads.filters[1]),
    )
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "archives/intake/archive_list.html", {
        "list": reads, "export_query": query.urlencode(), "export_max": EXPORT_MAX_ROWS,
        **fragment_context(
            request, "archive-list", scope, request.user.access_version,  # type: ignore[union-attr]
            sorted(request.GET.lists()), *generations.current("department-work", "records", request=request),
        ),
    })


HEADERS = ("Name", "ID number", "Occupation", "Employer", "Post", "Department", "State", "Has negative records",
           "Overdue for update", "Last updated", "Opened")


@require_GET
@staff_view
def archive_export(request: HttpRequest) -> HttpResponse:
    """The filtered list as .xlsx, written in openpyxl's write-only mode (constant
    memory for any size): real date cells, frozen header, autofilter. ID numbers stay
    masked: the file leaves the system."""
    form, archives = _filters(request)
    # Counting at most one row past the limit stops early, whatever the scope's size.
    if counted_to(archives, EXPORT_MAX_ROWS + 1) > EXPORT_MAX_ROWS:
        messages.error(request, _(
            "The export holds at most %(max)s archives and your filters select more. Narrow them (occupation, "
            "employer, state, year) and export again, one part at a time."
        ) % {"max": intcomma(EXPORT_MAX_ROWS)})
        query = request.GET.urlencode()
        return redirect(reverse("archives:intake_archives") + (f"?{query}" if query else ""))
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("Archives"))
    sheet.freeze_panes = "A2"
    for index, width in enumerate((10, 20, 14, 28, 12, 16, 8, 10, 10, 12, 12)):
        sheet.column_dimensions[chr(ord("A") + index)].width = width
    bold = Font(bold=True)
    header = []
    for text in HEADERS:
        cell = WriteOnlyCell(sheet, value=_(text))
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    count = 0
    yes, no = _("Yes"), _("No")
    for archive in archives.iterator(chunk_size=2000):
        count += 1
        values: list[object] = [
            archive.subject.name, archive.subject.id_number_masked, archive.occupation.name, archive.employer,
            archive.post, archive.department.display_name, archive.get_state_display(),
            yes if archive.has_negative else no, yes if archive.is_overdue else no,
            timezone.localtime(archive.last_updated_at).date(), timezone.localtime(archive.created_at).date(),
        ]
        row = []
        for value in values:
            cell = WriteOnlyCell(sheet, value=value)
            if isinstance(value, str):
                cell.data_type = "s"  # typed text is never a formula
            elif value is not None and hasattr(value, "isoformat"):
                cell.number_format = "yyyy-mm-dd"
            row.append(cell)
        sheet.append(row)
    sheet.auto_filter.ref = f"A1:K{count + 1}"
    # Which filters chose the rows: their names only (an employer filter is free text typed in).
    used = sorted(name for name, value in (form.cleaned_data if form.is_bound else {}).items() if value not in (None, ""))
    audit.record_read("intake.archives.exported", actor=request.user, detail={"rows": count, "filters": used},
                      request=request)
    buffer = BytesIO()
    workbook.save(buffer)
    response = HttpResponse(buffer.getvalue(),
                            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f"attachment; filename=archives-{timezone.localdate():%Y%m%d}.xlsx"
    return response
