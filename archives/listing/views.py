"""Staff pages of the listing procedure and joint punishment: thin — a selector reads,
a form checks the shape, a service decides, the page shows what the predicates allow."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django.core.paginator import Paginator
from django.forms import Form
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from archives import selectors as archive_selectors
from archives.listing import forms, permissions, rules, selectors, services
from archives.listing.models import CaseMeasure, Listing
from archives.views.base import require, staff_view, submit
from credit_portal import audit

if TYPE_CHECKING:
    from credit_portal.models import User

PAGE_SIZE = 25


@require_GET
@staff_view
def listing_list(request: HttpRequest) -> HttpResponse:
    """The department's listings (every listing for the credit office), newest first."""
    page = Paginator(selectors.listings_visible_to(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "listing/listings.html", {"page": page, "today": timezone.localdate()})


@require_http_methods(["GET", "POST"])
@staff_view
def listing_propose(request: HttpRequest, archive_id: int) -> HttpResponse:
    archive = archive_selectors.get_archive_for_view(request.user, archive_id, request=request)
    require(permissions.can_propose(request.user, archive))
    candidates = selectors.basis_candidates(archive)
    form = forms.ProposeForm(request.POST or None, candidates=candidates)
    done = submit(
        request, form, lambda data: services.propose_listing(
            archive, by=request.user, records=data["records"], category=data["category"], facts=data["facts"],
            legal_basis=data["legal_basis"],
        ),
        done=_("The listing is proposed and the person has been notified."),
        to=lambda listing: reverse("listing:listing", args=[listing.pk]),
        back=reverse("archives:archive", args=[archive.pk]),
    )
    return done or render(request, "listing/propose.html", {
        "archive": archive, "form": form, "has_candidates": candidates.exists(),
        "window": rules.rule(rules.Key.OBJECTION_WINDOW),
    })


def _detail(request: HttpRequest, listing_id: int, **forms_: object) -> HttpResponse:
    listing = selectors.get_listing_for_view(request.user, listing_id)
    return render(request, "listing/listing.html", {
        "listing": listing, "can": permissions.listing_actions(request.user, listing),
        "window_closed": permissions.window_closed(listing),
        "answer_form": forms_.get("answer_form") or forms.AnswerForm(),
        "decision_form": forms_.get("decision_form") or forms.DecisionForm(),
        "removal_form": forms_.get("removal_form") or forms.RemovalForm(),
        "case": getattr(listing, "case", None) if listing.state != listing.State.PROPOSED else None,
        "error_form": next((f for f in forms_.values() if f is not None), None),
    })


@require_GET
@staff_view
def listing_detail(request: HttpRequest, listing_id: int) -> HttpResponse:
    return _detail(request, listing_id)


def _listing_step(
    allowed: Callable[[User, Listing], bool], form_class: type[Form], form_name: str,
    act: Callable[[Listing, User, dict[str, Any]], object], done: str,
) -> Callable[..., HttpResponse]:
    """A step on the listing page (answer, decide, remove): the predicate, the form, the
    service; back to the listing whether it went through or was refused, the page again
    with the form's errors otherwise."""

    @require_POST
    @staff_view
    def view(request: HttpRequest, listing_id: int) -> HttpResponse:
        listing = selectors.get_listing_for_view(request.user, listing_id)
        require(allowed(request.user, listing))
        form = form_class(request.POST)
        here = reverse("listing:listing", args=[listing.pk])
        response = submit(request, form, lambda data: act(listing, request.user, data), done=done, to=here, back=here)
        return response or _detail(request, listing_id, **{form_name: form})

    return view


listing_answer = _listing_step(
    permissions.can_answer_objection, forms.AnswerForm, "answer_form",
    lambda listing, by, data: services.answer_objection(listing, by=by, answer=data["answer"]),
    gettext_lazy("Your answer is recorded and sent to the person."),
)
listing_decide = _listing_step(
    permissions.can_decide, forms.DecisionForm, "decision_form",
    lambda listing, by, data: services.decide_listing(
        listing, by=by, publish=data["decision"] == "publish", reason=data["reason"]
    ),
    gettext_lazy("The decision is recorded and the person has been told."),
)
listing_remove = _listing_step(
    permissions.can_remove, forms.RemovalForm, "removal_form",
    lambda listing, by, data: services.remove_listing(listing, by=by, reason=data["reason"]),
    gettext_lazy("The listing is removed from the list."),
)


@require_GET
@staff_view
def objection_file(request: HttpRequest, listing_id: int, file_id: int) -> FileResponse:
    """A file of the person's statement, for staff who see the listing: as an attachment
    with nosniff, the read audited (DESIGN §8)."""
    listing = selectors.get_listing_for_view(request.user, listing_id)
    item = next((f for f in listing.objection_files.all() if f.pk == file_id), None)
    if item is None:
        raise Http404
    audit.record_read("listing.objection_file.viewed", actor=request.user, target=listing,
                      subject_ref=str(listing.subject_id), detail={"file": item.pk}, request=request)
    response = FileResponse(item.file.open("rb"), as_attachment=True, filename=item.original_name,
                            content_type=item.content_type)
    response["X-Content-Type-Options"] = "nosniff"
    return response


# --- joint punishment ------------------------------------------------------------------------


@require_GET
@staff_view
def case_list(request: HttpRequest) -> HttpResponse:
    """Open joint-punishment cases with their pending and overdue feedback: every case for
    the credit office, the cases with a measure of theirs for department staff."""
    today = timezone.localdate()
    page = Paginator(selectors.cases_visible_to(request.user, today=today), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "listing/cases.html", {"page": page, "today": today})


def _case(request: HttpRequest, case_id: int, *, form_for: int | None = None,
          bad_form: forms.FeedbackForm | None = None, corrected_form: forms.CorrectedForm | None = None) -> HttpResponse:
    case = selectors.get_case_for_view(request.user, case_id)
    today = timezone.localdate()
    rows = [
        {"item": item, "overdue": item.state == CaseMeasure.State.PENDING and today > item.feedback_due,
         "can_respond": permissions.can_respond(request.user, item),
         "form": bad_form if bad_form is not None and form_for == item.pk else forms.FeedbackForm(prefix=f"m{item.pk}")}
        for item in case.measures.all()
    ]
    return render(request, "listing/case.html", {
        "case": case, "listing": case.listing, "rows": rows, "today": today,
        "can_correct": permissions.can_mark_corrected(request.user, case),
        "corrected_form": corrected_form or forms.CorrectedForm(),
        "error_form": bad_form or corrected_form,
    })


@require_GET
@staff_view
def case_detail(request: HttpRequest, case_id: int) -> HttpResponse:
    return _case(request, case_id)


@require_POST
@staff_view
def case_feedback(request: HttpRequest, case_id: int, item_id: int) -> HttpResponse:
    case = selectors.get_case_for_view(request.user, case_id)
    item = next((m for m in case.measures.all() if m.pk == item_id), None)
    require(item is not None and permissions.can_respond(request.user, item))
    form = forms.FeedbackForm(request.POST, prefix=f"m{item_id}")
    here = reverse("listing:case", args=[case.pk])
    done = submit(
        request, form, lambda data: services.record_feedback(
            item, by=request.user, applied=data["applied"] == "yes", feedback=data["feedback"]
        ),
        done=_("The feedback is recorded."), to=here, back=here,
    )
    return done or _case(request, case_id, form_for=item_id, bad_form=form)


@require_POST
@staff_view
def case_corrected(request: HttpRequest, case_id: int) -> HttpResponse:
    case = selectors.get_case_for_view(request.user, case_id)
    require(permissions.can_mark_corrected(request.user, case))
    form = forms.CorrectedForm(request.POST)
    here = reverse("listing:case", args=[case.pk])
    done = submit(
        request, form, lambda data: services.mark_corrected(case, by=request.user, outcome=data["outcome"]),
        done=_("The person is no longer a target of joint punishment."), to=here, back=here,
    )
    return done or _case(request, case_id, corrected_form=form)
