"""Archive pages: open, read (laid out like 001's 信用信息记录表), reveal, edit, close,
print and export."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from archives import exports, forms, permissions, selectors, services
from archives.views.base import require, staff_view, submit
from archives.views.presenters import archive_context, archive_page_annotations, print_context
from credit_portal import audit


@require_http_methods(["GET", "POST"])
@staff_view
def archive_open(request: HttpRequest, subject_id: str) -> HttpResponse:
    subject = selectors.get_subject_for_view(request.user, subject_id, request=request)
    require(permissions.can_open_archive(request.user))
    form = forms.OpenArchiveForm(request.POST or None, department_ids=permissions.departments_for_new_archives(request.user))
    done = submit(
        request, form, lambda data: services.open_archive(subject=subject, by=request.user, **data),
        done=_("The archive is open."),
        to=lambda archive: reverse("archives:archive", args=[archive.pk]),
    )
    return done or render(request, "archives/archive_open.html", {"subject": subject, "form": form})


@require_GET
@staff_view
def archive_detail(request: HttpRequest, archive_id: int) -> HttpResponse:
    """The archive laid out like 001's 信用信息记录表 (annex)."""
    archive = selectors.get_archive_for_view(
        request.user, archive_id, request=request, stamped=True, extra=archive_page_annotations(),
        related=("credit_level",))
    return render(request, "archives/archive.html", archive_context(request, archive))


@require_POST
@staff_view
def archive_reveal(request: HttpRequest, archive_id: int) -> HttpResponse:
    """Show the ID number or phone in full: answered in the POST response itself (never a
    URL), and written to the audit trail as its own read."""
    archive = selectors.get_archive_for_view(request.user, archive_id, request=request)
    require(permissions.can_reveal_personal_data(request.user, archive))
    form = forms.RevealForm(request.POST)
    if not form.is_valid():
        return redirect("archives:archive", archive_id=archive.pk)
    field = form.cleaned_data["field"]
    audit.record_read(
        "archives.subject.revealed", actor=request.user, target=archive.subject, subject_ref=str(archive.subject_id),
        detail={"field": field}, request=request,
    )
    revealed = {field: getattr(archive.subject, field) or "—"}
    return render(request, "archives/archive.html", archive_context(request, archive, revealed=revealed))


@require_http_methods(["GET", "POST"])
@staff_view
def archive_edit(request: HttpRequest, archive_id: int) -> HttpResponse:
    archive = selectors.get_archive_for_view(request.user, archive_id, request=request)
    require(permissions.can_edit_archive(request.user, archive))
    initial = {name: getattr(archive, name) for name in ("employer", "title", "post", "practice_start", "duties")}
    form = forms.ArchiveEditForm(request.POST or None, initial=initial)
    done = submit(
        request, form, lambda data: services.update_archive(archive, by=request.user, **data),
        done=_("The archive is saved."),
        to=(here := reverse("archives:archive", args=[archive.pk])), back=here,
    )
    return done or render(request, "archives/archive_edit.html", {"archive": archive, "form": form})


@require_http_methods(["GET", "POST"])
@staff_view
def archive_close(request: HttpRequest, archive_id: int) -> HttpResponse:
    archive = selectors.get_archive_for_view(request.user, archive_id, request=request)
    require(permissions.can_close_archive(request.user, archive))
    form = forms.ReasonForm(request.POST or None)
    done = submit(
        request, form, lambda data: services.close_archive(archive, reason=data["reason"], by=request.user),
        done=_("The archive is closed."),
        to=(here := reverse("archives:archive", args=[archive.pk])), back=here,
    )
    return done or render(request, "archives/archive_close.html", {"archive": archive, "form": form})


@require_GET
@staff_view
def archive_print(request: HttpRequest, archive_id: int) -> HttpResponse:
    """The yearly archive form of 001's annex, for printing (print CSS)."""
    archive = selectors.get_archive_for_view(request.user, archive_id, request=request)
    this_year = timezone.localdate().year
    try:
        year = int(request.GET.get("year") or this_year)
    except ValueError:
        year = this_year
    if not 1900 <= year <= this_year + 1:
        year = this_year
    return render(request, "archives/archive_print.html", print_context(archive, year))


@require_GET
@staff_view
def archive_export(request: HttpRequest, archive_id: int) -> HttpResponse:
    """One archive as an Excel workbook with Chinese headers. The ID number stays masked."""
    archive = selectors.get_archive_for_view(request.user, archive_id, request=request)
    content = exports.archive_workbook(
        archive, selectors.archive_records(archive, include_drafts=False), selectors.archive_findings(archive)
    )
    audit.record_read("archives.archive.exported", actor=request.user, target=archive,
                 subject_ref=str(archive.subject_id), request=request)
    response = HttpResponse(content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    # The file name carries the archive number only: no name, no ID number.
    response["Content-Disposition"] = f'attachment; filename="archive-{archive.pk}-{timezone.localdate():%Y%m%d}.xlsx"'
    response["X-Content-Type-Options"] = "nosniff"
    return response
