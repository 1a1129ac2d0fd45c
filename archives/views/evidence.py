"""Evidence files: attach to a record, download (scoped, audited, as an attachment),
remove one not yet part of anything published or signed."""

from __future__ import annotations

from django.contrib import messages
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from archives import forms, permissions, selectors, services
from archives.models import AnnualFinding, CreditRecord
from archives.views.base import require, staff_view, submit


@require_http_methods(["GET", "POST"])
@staff_view
def record_evidence(request: HttpRequest, record_id: int) -> HttpResponse:
    record = selectors.get_record_for_view(request.user, record_id, request=request)
    require(permissions.can_add_record_evidence(request.user, record))
    return attach_evidence_page(request, record=record)


def attach_evidence_page(
    request: HttpRequest, *, record: CreditRecord | None = None, finding: AnnualFinding | None = None
) -> HttpResponse:
    """The evidence form for one record or one finding (the caller has checked access):
    attach through the service, then back to that record's or finding's page."""
    target = record or finding
    assert target is not None  # noqa: S101 - a programming error, not input
    form = forms.EvidenceForm(request.POST or None, request.FILES or None)
    done = submit(
        request, form, lambda data: services.attach_evidence(
            data["file"], by=request.user, record=record, finding=finding, description=data["description"],
        ),
        done=_("The evidence is attached."),
        to=reverse("archives:record", args=[record.pk]) if record is not None
        else reverse("archives:finding", args=[target.pk]),
    )
    if done is not None:
        return done
    context = {"form": form, "record": record, "finding": finding, "archive": target.archive}
    return render(request, "archives/evidence_form.html", context)


@require_GET
@staff_view
def evidence_download(request: HttpRequest, evidence_id: str) -> FileResponse:
    """Evidence is served only here: scoped, audited, as an attachment with nosniff."""
    evidence = selectors.get_evidence_for_download(request.user, evidence_id, request=request)
    response = FileResponse(
        evidence.file.open("rb"), as_attachment=True, filename=evidence.original_name,
        content_type=evidence.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_POST
@staff_view
def evidence_delete(request: HttpRequest, evidence_id: str) -> HttpResponse:
    evidence = selectors.get_evidence_in_scope(request.user, evidence_id)
    require(permissions.can_delete_evidence(request.user, evidence))
    services.delete_evidence(evidence, by=request.user)
    messages.success(request, _("The evidence file is removed."))
    if evidence.record_id:
        return redirect("archives:record", record_id=evidence.record_id)
    if evidence.finding_id:
        return redirect("archives:finding", finding_id=evidence.finding_id)
    return redirect("archives:change", change_id=evidence.change_id)
