"""The case pages of the credit office (queue, case, accept, refuse, assign, send back,
conclude, ratings) and the case page department staff share. Buttons come from
``repair.permissions.actions_for``; the services refuse what it does not allow."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from credit_portal import workdays
from exchange import outbox
from repair import case_types, forms, permissions, selectors, services
from repair.views.common import REFUSALS, add_errors, confirmed, form_step, office_view, posted, staff_view

STAGE_LABELS = {
    "objection_submitted": gettext_lazy("Objections awaiting acceptance"),
    "objection_verifying": gettext_lazy("Objections with the department for verification"),
    "objection_proposed": gettext_lazy("Objections answered by the department, to conclude"),
    "repair_submitted": gettext_lazy("Repair applications awaiting acceptance"),
    "repair_accepted": gettext_lazy("Repair applications accepted, to decide"),
}


@require_GET
@office_view
def queue(request: HttpRequest) -> HttpResponse:
    """Open cases by stage, the most urgent of each first; ``?stage=<key>`` lists one
    stage in full, 50 a page."""
    common = {
        "ratings": len(selectors.ratings_to_follow_up()),
        "missing_years": workdays.missing_years(timezone.localdate()),
        # Repair results must reach the platform within 3 working days: delivery that gave
        # up or stalled is said where the credit office starts its day.
        "delivery_alert": outbox.delivery_alert(),
    }
    stage = selectors.stage_of(request.GET.get("stage"))
    if stage is not None:
        page = Paginator(selectors.stage_cases(request.user, stage), 50).get_page(request.GET.get("page"))
        page.object_list = selectors.mark_queue_cases(page.object_list)
        return render(request, "repair/queue.html", {
            **common, "page": page, "stage": {"key": stage.key, "label": STAGE_LABELS[stage.key]},
        })
    stages = selectors.queue(request.user).values()
    return render(request, "repair/queue.html", {
        **common, "overdue": sum(s.overdue for s in stages),
        "groups": [{"key": s.key, "label": STAGE_LABELS[s.key], "cases": s.cases, "count": s.count} for s in stages],
    })


@require_GET
@office_view
def closed_cases(request: HttpRequest) -> HttpResponse:
    """Concluded cases, found by reference or record title, 50 a page."""
    form = forms.ClosedCaseSearchForm(request.GET or None)
    query, kind = "", "objection"
    if form.is_bound and form.is_valid():
        query, kind = form.cleaned_data["q"], form.cleaned_data["kind"] or "objection"
    case_type = case_types.by_slug(kind)
    found = selectors.closed_cases(request.user, case_type, query=query)
    if form.is_bound and not form.is_valid():
        found = found.none()  # a refused search shows nothing rather than everything
    page = Paginator(found, 50).get_page(request.GET.get("page"))
    return render(request, "repair/closed_cases.html", {
        "form": form, "page": page, "kind": kind, "query": query, "office_pages": True,
    })


def _case_context(request: HttpRequest, case: case_types.Case) -> dict[str, Any]:
    actions = permissions.actions_for(request.user, case)
    return {
        "case": case, "kind": case.kind, "case_type": case_types.of(case), "can": actions,
        "office_pages": permissions.is_credit_office(request.user),
        "events": selectors.case_events(case), "files": selectors.case_files(case),
        "statement": selectors.statement_for(case.record),
        "assign_form": forms.AssignForm(officers=selectors.officers()) if actions.reassign else None,
    }


@require_GET
@staff_view
def case_detail(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    case = selectors.get_case_for_view(request.user, kind, pk, request=request)
    return render(request, "repair/case.html", _case_context(request, case))


@require_POST
@office_view
def case_accept(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    case = selectors.get_case_for_view(request.user, kind, pk)
    try:
        case_types.service(case_types.of(case).accept_service)(case, by=request.user)
    except REFUSALS as exc:
        messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
    else:
        messages.success(request, _("The case is accepted."))
    return redirect("repair:case", kind=kind, pk=case.pk)


def _reason_view(
    act_for: Callable[[case_types.Case], Callable[..., object]], *, success: str, title: str, button: str,
    intro: str, doc: str,
) -> Callable[..., HttpResponse]:
    """A credit-office step that needs only a written reason: the form, the service the
    case calls for (``act_for``), then the case page."""

    @require_http_methods(["GET", "POST"])
    @office_view
    def view(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
        case = selectors.get_case_for_view(request.user, kind, pk)
        act = act_for(case)
        form = forms.ReasonForm(posted(request))
        done = form_step(request, form, lambda data: act(case, by=request.user, reason=data["reason"]),
                         success=success, to="repair:case", kind=case.kind, pk=case.pk)
        return done or render(request, "repair/reason_form.html", {
            "form": form, "case": case, "kind": case.kind, "title": title, "button": button, "intro": intro,
        })

    view.__doc__ = doc
    return view


case_refuse = _reason_view(
    lambda case: case_types.service(case_types.of(case).refuse_service),
    doc="Do not accept the case, with the reason the citizen receives.",
    success=gettext_lazy("The case is not accepted and the citizen has been told why."),
    title=gettext_lazy("Do not accept the case"), button=gettext_lazy("Do not accept the case"),
    intro=gettext_lazy("The citizen receives this reason in writing."),
)
send_back = _reason_view(
    lambda case: services.send_back_answer, doc="Send the department's signed answer back for more work (补正).",
    success=gettext_lazy("The answer has been sent back to the department for more work."),
    title=gettext_lazy("Send the answer back for more work"), button=gettext_lazy("Send back for more work"),
    intro=gettext_lazy("The department sees this reason and answers again."),
)
ask_for_material = _reason_view(
    lambda case: services.request_material,
    doc="补正材料: say everything that is missing; the applicant adds it on their case page.",
    success=gettext_lazy("The applicant has been asked for the material."),
    title=gettext_lazy("Ask for more material"), button=gettext_lazy("Ask for the material"),
    intro=gettext_lazy("Say everything that is missing at once: the applicant receives this in writing."),
)


@require_POST
@office_view
def case_assign(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    case = selectors.get_case_for_view(request.user, kind, pk)
    if request.POST.get("take") == "1":
        officer = request.user
    else:
        form = forms.AssignForm(request.POST, officers=selectors.officers())
        if not form.is_valid():
            context = _case_context(request, case)
            context["assign_form"] = form
            return render(request, "repair/case.html", context, status=400)
        officer = form.cleaned_data["officer"]
    try:
        services.assign_case(case, officer=officer, by=request.user)
    except REFUSALS as exc:
        messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
    else:
        messages.success(request, _("The case is assigned."))
    return redirect("repair:case", kind=kind, pk=case.pk)


@require_http_methods(["GET", "POST"])
@office_view
def case_conclude(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    """Conclude an objection or decide a repair application: form, check your answers,
    then the service (one of two officers racing loses with a clear message)."""
    case = selectors.get_case_for_view(request.user, kind, pk)
    case_type = case_types.of(case)
    form = import_string(case_type.conclude_form)(posted(request), case=case)
    if request.method == "POST" and form.is_valid():
        if not confirmed(request):
            return render(request, "repair/conclude_check.html", {"form": form, "case": case, "kind": kind})
        try:
            case_types.service(case_type.conclude_service)(case, by=request.user, **form.cleaned_data)
        except REFUSALS as exc:
            add_errors(form, exc)
        else:
            return redirect("repair:concluded", kind=kind, pk=case.pk)
    return render(request, "repair/conclude_form.html", {"form": form, "case": case, "kind": kind})


@require_GET
@office_view
def concluded(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    case = selectors.get_case_for_view(request.user, kind, pk)
    return render(request, "repair/concluded.html", {
        "case": case, "kind": kind, "display_ended_on": selectors.corrected_display_ended_on(case),
    })


@require_GET
@office_view
def ratings(request: HttpRequest) -> HttpResponse:
    return render(request, "repair/ratings.html", {"ratings": selectors.ratings_to_follow_up()})


@require_http_methods(["GET", "POST"])
@office_view
def rating_follow_up(request: HttpRequest, pk: int) -> HttpResponse:
    rating = selectors.get_rating(pk)
    form = forms.FollowUpForm(posted(request))
    done = form_step(request, form, lambda data: services.follow_up_rating(rating, by=request.user, note=data["note"]),
                     success=_("The follow-up is recorded."), to="repair:ratings")
    if done:
        return done
    return render(request, "repair/follow_up.html", {"form": form, "rating": rating, "case": rating.case})
