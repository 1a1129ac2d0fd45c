"""Pages of batch yearly findings: draft a batch, review its exceptions, sign it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from archives.intake import batches
from archives.intake.access import staff_view
from archives.intake.models import FindingBatch
from credit_portal.forms import GovukFormMixin
from departments.models import Department, Membership, Occupation, OccupationDepartment
from departments.scope import department_ids

if TYPE_CHECKING:
    from credit_portal.models import User


class BatchForm(GovukFormMixin, forms.Form):
    department = forms.ModelChoiceField(queryset=Department.objects.none(), label=gettext_lazy("Department"))
    year = forms.IntegerField(label=gettext_lazy("Year"), min_value=1990, max_value=2100)
    occupation = forms.ModelChoiceField(queryset=Occupation.objects.none(), required=False,
                                        label=gettext_lazy("Occupation"), empty_label=gettext_lazy("Any"))
    employer = forms.CharField(required=False, max_length=200, label=gettext_lazy("Unit"),
                               help_text=gettext_lazy("The employer exactly as written in the archives."))

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        ids = department_ids(user, role=Membership.Role.REVIEWER)
        self.fields["department"].queryset = Department.objects.filter(id__in=ids)
        self.fields["occupation"].queryset = Occupation.objects.filter(
            id__in=OccupationDepartment.objects.filter(department_id__in=ids).values("occupation_id"))


@require_http_methods(["GET", "POST"])
@staff_view
def batch_list(request: HttpRequest) -> HttpResponse:
    is_reviewer = bool(department_ids(request.user, role=Membership.Role.REVIEWER))
    form = BatchForm(request.POST or None, user=request.user, initial={"year": timezone.localdate().year - 1})
    if request.method == "POST":
        if not is_reviewer:
            raise PermissionDenied
        if form.is_valid():
            try:
                batch = batches.draft_batch(by=request.user, **form.cleaned_data)
            except ValidationError as exc:
                for field, errors in (exc.message_dict.items() if hasattr(exc, "error_dict") else [(None, exc.messages)]):
                    for error in errors:
                        form.add_error(field if field in form.fields else None, error)
            else:
                messages.success(request, _("The findings are drafted. Another reviewer signs the batch."))
                return redirect("archives:intake_batch", batch_id=batch.pk)
    return render(request, "archives/intake/batches.html", {
        "form": form, "is_reviewer": is_reviewer, "batches": batches.batches_visible_to(request.user)[:50]})


def _batch(request: HttpRequest, batch_id: int) -> FindingBatch:
    batch = batches.batches_visible_to(request.user).filter(pk=batch_id).first()
    if batch is None:
        raise Http404
    return batch


@require_GET
@staff_view
def batch_detail(request: HttpRequest, batch_id: int) -> HttpResponse:
    batch = _batch(request, batch_id)
    findings = Paginator(batch.findings.select_related("archive__subject", "archive__occupation")
                         .order_by("archive__employer", "archive__subject__name", "pk"), 100).get_page(request.GET.get("page"))
    exceptions = batches.batch_archives(department=batch.department, year=batch.year, occupation=batch.occupation,
                                        employer=batch.employer).filter(has_grounds=True)[:200]
    may_sign = (batch.state == FindingBatch.State.DRAFT and batch.drafted_by_id != request.user.pk
                and batch.department_id in department_ids(request.user, role=Membership.Role.REVIEWER))
    return render(request, "archives/intake/batch.html", {
        "batch": batch, "findings": findings, "exceptions": exceptions, "may_sign": may_sign})


@require_POST
@staff_view
def batch_sign(request: HttpRequest, batch_id: int) -> HttpResponse:
    batch = _batch(request, batch_id)
    try:
        batches.sign_batch(batch, by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The batch is signed."))
    return redirect("archives:intake_batch", batch_id=batch.pk)
