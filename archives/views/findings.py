"""Yearly credit-status findings (年度信用状况认定): draft, read, evidence, sign."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from archives import forms, permissions, selectors, services
from archives.models import AnnualFinding
from archives.views.base import confirm_delete, refused, require, staff_view, submit
from archives.views.evidence import attach_evidence_page
from credit_portal.exceptions import TransitionNotAllowed


@require_http_methods(["GET", "POST"])
@staff_view
def finding_new(request: HttpRequest, archive_id: int) -> HttpResponse:
    archive = selectors.get_archive_for_view(request.user, archive_id, request=request)
    require(permissions.can_draft_finding(request.user, archive))
    form = forms.FindingForm(request.POST or None, initial={"year": timezone.localdate().year, "status": "trustworthy"})
    done = submit(
        request, form, lambda data: services.draft_finding(archive, by=request.user, **data),
        done=_("The finding is drafted. Another reviewer signs it."),
        to=lambda finding: reverse("archives:finding", args=[finding.pk]),
    )
    return done or render(request, "archives/finding_form.html", {"archive": archive, "form": form})


@require_GET
@staff_view
def finding_detail(request: HttpRequest, finding_id: int) -> HttpResponse:
    """One finding; the read is audited like every read of a person's record."""
    finding = selectors.get_finding_for_view(request.user, finding_id, request=request)
    return render(
        request, "archives/finding.html",
        {"finding": finding, "archive": finding.archive, "evidence": list(finding.evidence.all()),
         "seal_intact": selectors.finding_seal_intact(finding),
         "can": permissions.finding_actions(request.user, finding)},
    )


@require_http_methods(["GET", "POST"])
@staff_view
def finding_evidence(request: HttpRequest, finding_id: int) -> HttpResponse:
    finding = selectors.get_finding_for_view(request.user, finding_id, request=request)
    require(permissions.can_add_finding_evidence(request.user, finding))
    return attach_evidence_page(request, finding=finding)


@require_http_methods(["GET", "POST"])
@staff_view
def finding_sign(request: HttpRequest, finding_id: int) -> HttpResponse:
    """Check your answers, then sign (电子盖章): signing cannot be taken back."""
    finding = selectors.get_finding_for_view(request.user, finding_id, request=request)
    if finding.state != AnnualFinding.State.DRAFT:
        return redirect("archives:finding", finding_id=finding.pk)
    require(permissions.is_reviewer_on(request.user, finding.archive))
    if request.method == "POST":
        try:
            services.sign_finding(finding, by=request.user)
        except (TransitionNotAllowed, ValidationError) as exc:
            return refused(request, exc, reverse("archives:finding", args=[finding.pk]))
        return redirect("archives:finding_signed", finding_id=finding.pk)
    return render(request, "archives/finding_sign.html",
                  {"finding": finding, "archive": finding.archive, "evidence": list(finding.evidence.all()),
                   "can": permissions.finding_actions(request.user, finding)})


@require_http_methods(["GET", "POST"])
@staff_view
def finding_delete(request: HttpRequest, finding_id: int) -> HttpResponse:
    """Delete an unsigned finding (confirm first)."""
    finding = selectors.get_finding_for_view(request.user, finding_id, request=request)
    require(permissions.can_delete_draft_finding(request.user, finding))
    return confirm_delete(
        request, finding, "finding", lambda: services.delete_draft_finding(finding, by=request.user),
        _("The draft finding is deleted."),
    )


@require_GET
@staff_view
def finding_signed(request: HttpRequest, finding_id: int) -> HttpResponse:
    finding = selectors.get_finding_for_view(request.user, finding_id, request=request)
    if finding.state != AnnualFinding.State.SIGNED:
        return redirect("archives:finding", finding_id=finding.pk)
    reference = f"ND{finding.year}-{finding.archive_id:06d}-{finding.version}"
    return render(request, "archives/finding_signed.html",
                  {"finding": finding, "archive": finding.archive, "reference": reference})
