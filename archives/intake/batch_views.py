"""Pages of batch yearly findings: draft a batch, review its exceptions, sign it.
Thin: ``selectors`` read, ``batches`` writes, ``permissions`` decide."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from archives.intake import batches, permissions, selectors
from archives.intake.access import staff_view
from archives.intake.forms import BatchForm
from archives.views.base import refused, require, submit


@require_http_methods(["GET", "POST"])
@staff_view
def batch_list(request: HttpRequest) -> HttpResponse:
    may_draft = permissions.can_draft_batches(request.user)
    if request.method == "POST":
        require(may_draft)
    form = BatchForm(
        request.POST or None, initial={"year": timezone.localdate().year - 1},
        departments=selectors.batch_departments(request.user), occupations=selectors.batch_occupations(request.user),
    )
    done = submit(
        request, form, lambda data: batches.draft_batch(by=request.user, **data),
        done=_("The findings are drafted. Another reviewer signs the batch."),
        to=lambda batch: reverse("archives:intake_batch", args=[batch.pk]),
    )
    return done or render(request, "archives/intake/batches.html", {
        "form": form, "is_reviewer": may_draft, "batches": selectors.batches_visible_to(request.user)[:50]})


@require_GET
@staff_view
def batch_detail(request: HttpRequest, batch_id: int) -> HttpResponse:
    batch = selectors.get_batch_for_view(request.user, batch_id)
    findings = Paginator(selectors.batch_findings(batch), 100).get_page(request.GET.get("page"))
    return render(request, "archives/intake/batch.html", {
        "batch": batch, "findings": findings, "exceptions": selectors.batch_exceptions(batch)[:200],
        "may_sign": permissions.can_sign_batch(request.user, batch)})


@require_POST
@staff_view
def batch_sign(request: HttpRequest, batch_id: int) -> HttpResponse:
    batch = selectors.get_batch_for_view(request.user, batch_id)
    here = reverse("archives:intake_batch", args=[batch.pk])
    try:
        batches.sign_batch(batch, by=request.user)
    except ValidationError as exc:
        return refused(request, exc, here)
    messages.success(request, _("The batch is signed."))
    return redirect(here)
