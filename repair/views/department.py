"""The keeping department's pages: objections to verify, drafting the answer and
signing it (four eyes: ``repair.permissions.may_draft_answer`` / ``may_sign_answer``)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from repair import forms, selectors, services
from repair.views.common import REFUSALS, form_step, posted, staff_view


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
    done = form_step(
        request, form,
        lambda data: services.draft_answer(case, by=request.user, proposal=data["proposal"], reason=data["reason"],
                                           changes=form.changes()),
        success=_("Your answer is drafted. Another reviewer of your department signs it."),
        to="repair:case", kind="objection", pk=case.pk,
    )
    return done or render(request, "repair/propose.html", {"form": form, "case": case})



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
