"""The keeping department's pages: objections to verify, drafting the answer and
signing it (four eyes: ``repair.permissions.may_draft_answer`` / ``may_sign_answer``)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from credit_portal.exceptions import TransitionNotAllowed
from repair import forms, selectors, services
from repair.views.common import add_errors, posted, staff_view

# A forbidden act is 403 (PermissionDenied propagates); these are told on the page.
REFUSALS = (ValidationError, TransitionNotAllowed)


@require_GET
@staff_view
def department_queue(request: HttpRequest) -> HttpResponse:
    return render(request, "repair/department_queue.html", {"cases": selectors.department_objections(request.user)})


@require_http_methods(["GET", "POST"])
@staff_view
def draft_answer(request: HttpRequest, pk: int) -> HttpResponse:
    """Draft (or redraft) the department's answer; a reviewer who did not draft it signs."""
    case = selectors.get_case_for_view(request.user, "objection", pk)
    form = forms.AnswerForm(posted(request), case=case)
    if request.method == "POST" and form.is_valid():
        try:
            services.draft_answer(case, by=request.user, proposal=form.cleaned_data["proposal"],
                                  reason=form.cleaned_data["reason"], changes=form.changes())
        except REFUSALS as exc:
            add_errors(form, exc)
        else:
            messages.success(request, _("Your answer is drafted. Another reviewer of your department signs it."))
            return redirect("repair:case", kind="objection", pk=case.pk)
    return render(request, "repair/propose.html", {"form": form, "case": case})


@require_POST
@staff_view
def sign_answer(request: HttpRequest, pk: int) -> HttpResponse:
    case = selectors.get_case_for_view(request.user, "objection", pk)
    try:
        services.sign_answer(case, by=request.user)
    except REFUSALS as exc:
        messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
    else:
        messages.success(request, _("The answer is signed and sent to the credit office."))
    return redirect("repair:case", kind="objection", pk=case.pk)
