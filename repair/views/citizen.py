"""The citizen's pages: my records and cases, objecting, applying for repair, a
personal statement, a rating. A citizen reaches only their own records and cases
(someone else's is 404). Filing passes through a check-your-answers page."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.exceptions import ValidationError
from django.forms import Form
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from archives.models import CreditRecord, Subject
from credit_portal.exceptions import NotFound
from disclosure.views.common import citizen_view
from repair import case_types, deadlines, forms, permissions, selectors, services
from repair.models import DeadlineRule
from repair.services.common import remedies
from repair.views.common import REFUSALS, add_errors, form_step, posted, posted_files


def _own_case(request: HttpRequest, subject: Subject, kind: str, pk: int) -> case_types.Case:
    case = selectors.get_case_for_view(request.user, kind, pk, request=request)
    if case.subject_id != subject.pk:
        raise NotFound("No such case.")
    return case


def _draft(
    request: HttpRequest, subject: Subject, record_id: int, kind: str
) -> tuple[CreditRecord, str, dict[str, Any]]:
    """The person's own record, the session key of their two-step form about it, and the
    draft kept there (empty when there is none)."""
    record = selectors.own_record(subject, record_id)
    key = f"repair-{kind}-{record.pk}"
    return record, key, request.session.get(key) or {}


_FORM_PAGES = {"objection": "repair:objection_new", "application": "repair:repair_new"}


def _check_page(
    request: HttpRequest, subject: Subject, record_id: int, kind: str, form_class: type[Form], template: str, *,
    uploads: Callable[[dict[str, Any]], list[dict[str, str]]],
    file_case: Callable[[CreditRecord, dict[str, Any]], case_types.Case],
    context: Callable[[CreditRecord], dict[str, Any]] = lambda record: {},
) -> HttpResponse:
    """A check-your-answers page: without a draft, back to the form; on confirm, file the
    case from the session draft, then drop the stashed uploads and the draft; a refusal
    goes onto the form."""
    record, key, draft = _draft(request, subject, record_id, kind)
    if not draft:
        return redirect(_FORM_PAGES[kind], record_id=record.pk)
    form = form_class(posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            case = file_case(record, draft)
        except REFUSALS as exc:
            add_errors(form, exc)
        else:
            services.drop_uploads(uploads(draft))
            del request.session[key]
            return redirect("repair:filed", kind=kind, pk=case.pk)
    return render(request, template, {"record": record, "draft": draft, "form": form, **context(record)})


def _stash(form: Form, name: str) -> list[dict[str, str]] | None:
    try:
        return services.stash_uploads(form.cleaned_data.get(name) or [])
    except ValidationError as exc:
        form.add_error(name, exc.messages)
        return None


@require_GET
@citizen_view
def my_repair(request: HttpRequest, subject: Subject) -> HttpResponse:
    """For each of my records: whether and when it can be repaired, and my cases."""
    cases = selectors.cases_of_subject(subject)
    return render(request, "repair/my_repair.html", {
        "rows": selectors.records_overview(subject), "cases": cases, "subject": subject,
        "any_overdue": any(case.overdue for case in cases),
    })


@require_http_methods(["GET", "POST"])
@citizen_view
def objection_new(request: HttpRequest, subject: Subject, record_id: int) -> HttpResponse:
    record, key, draft = _draft(request, subject, record_id, "objection")
    form = forms.ObjectionForm(posted(request), posted_files(request), initial={"reasons": draft.get("reasons", "")})
    if request.method == "POST" and form.is_valid():
        kept = _stash(form, "evidence")
        if kept is not None:
            # A changed answer replaces the files only when new ones are chosen.
            if kept:
                services.drop_uploads(draft.get("files", []))
            else:
                kept = draft.get("files", [])
            request.session[key] = {"reasons": form.cleaned_data["reasons"], "files": kept}
            return redirect("repair:objection_check", record_id=record.pk)
    return render(request, "repair/objection_form.html", {
        "form": form, "record": record, "draft": draft,
        "accept_days": deadlines.rule(DeadlineRule.Key.OBJECTION_ACCEPT).days,
    })


@require_http_methods(["GET", "POST"])
@citizen_view
def objection_check(request: HttpRequest, subject: Subject, record_id: int) -> HttpResponse:
    return _check_page(
        request, subject, record_id, "objection", forms.ConfirmForm, "repair/objection_check.html",
        uploads=lambda draft: draft["files"],
        file_case=lambda record, draft: services.file_objection(
            record, by=request.user, reasons=draft["reasons"], files=services.unstash_uploads(draft["files"])
        ),
    )


@require_GET
@citizen_view
def filed(request: HttpRequest, subject: Subject, kind: str, pk: int) -> HttpResponse:
    case = _own_case(request, subject, kind, pk)
    case_type = case_types.of(case)
    decide = deadlines.rule(case_type.decide_rule)
    return render(request, "repair/filed.html", {
        "case": case, "kind": kind, "case_type": case_type, "days": decide.days,
        "working_days": decide.unit == DeadlineRule.Unit.WORKING,
        "from_filing": decide.starts_from == DeadlineRule.Start.FILED,
    })


@require_GET
@citizen_view
def my_case(request: HttpRequest, subject: Subject, kind: str, pk: int) -> HttpResponse:
    case = _own_case(request, subject, kind, pk)
    statement = selectors.own_statement(case)
    rating = selectors.rating_of(case)
    return render(request, "repair/my_case.html", {
        "case": case, "kind": kind, "case_type": case_types.of(case), "events": selectors.case_events(case),
        "files": selectors.case_files(case), "statement": statement, "rating": rating,
        "can_add_statement": permissions.may_add_statement(request.user, case, statement=statement),
        "can_rate": permissions.may_rate(request.user, case, rated=rating is not None),
        "remedies": remedies() if case.is_adverse else "",
        "add_files_form": forms.AddFilesForm() if permissions.may_add_material(request.user, case) else None,
        "can_withdraw": permissions.may_withdraw(request.user, case),
    })


@require_http_methods(["GET", "POST"])
@citizen_view
def withdraw(request: HttpRequest, subject: Subject, kind: str, pk: int) -> HttpResponse:
    """Withdraw my open case: a page saying what happens, then the confirm button."""
    case = _own_case(request, subject, kind, pk)
    form = forms.ConfirmForm(posted(request))
    done = form_step(request, form, lambda _data: services.withdraw_case(case, by=request.user),
                     success=_("Your case is withdrawn."), to="repair:my_case", kind=kind, pk=case.pk)
    return done or render(request, "repair/withdraw.html", {"form": form, "case": case, "kind": kind})


@require_http_methods(["GET", "POST"])
@citizen_view
def add_files(request: HttpRequest, subject: Subject, kind: str, pk: int) -> HttpResponse:
    """More material for an open case, in one step (the files are checked at once)."""
    case = _own_case(request, subject, kind, pk)
    form = forms.AddFilesForm(posted(request), posted_files(request))
    done = form_step(request, form, lambda data: services.add_case_files(case, by=request.user, files=data["files"]),
                     success=_("Your material has been added to the case."), to="repair:my_case", kind=kind, pk=case.pk)
    return done or render(request, "repair/add_files.html", {"form": form, "case": case, "kind": kind})


@require_http_methods(["GET", "POST"])
@citizen_view
def statement_new(request: HttpRequest, subject: Subject, pk: int) -> HttpResponse:
    case = _own_case(request, subject, "objection", pk)
    form = forms.StatementForm(posted(request))
    done = form_step(request, form, lambda data: services.add_personal_statement(case, by=request.user, text=data["text"]),
                     success=_("Your personal statement is now shown with the record."),
                     to="repair:my_case", kind="objection", pk=case.pk)
    return done or render(request, "repair/statement_form.html", {"form": form, "case": case})


@require_http_methods(["GET", "POST"])
@citizen_view
def repair_new(request: HttpRequest, subject: Subject, record_id: int) -> HttpResponse:
    record, key, draft = _draft(request, subject, record_id, "application")
    eligibility = services.repair_eligibility(record)
    form = forms.RepairForm(
        posted(request), posted_files(request),
        initial={"fulfilment": draft.get("fulfilment", ""), "extra_actions": draft.get("extra_actions", "")},
    )
    if draft.get("proof"):
        form.fields["proof"].required = False  # already given; a new choice replaces it
    if request.method == "POST" and eligibility.repairable and form.is_valid():
        proof = _stash(form, "proof")
        extra = _stash(form, "extra_files")
        if proof is not None and extra is not None:
            if proof:
                services.drop_uploads(draft.get("proof", []))
            if extra:
                services.drop_uploads(draft.get("extra", []))
            request.session[key] = {
                "fulfilment": form.cleaned_data["fulfilment"], "extra_actions": form.cleaned_data["extra_actions"],
                "proof": proof or draft.get("proof", []), "extra": extra or draft.get("extra", []),
            }
            return redirect("repair:repair_check", record_id=record.pk)
    return render(request, "repair/repair_form.html", {
        "form": form, "record": record, "eligibility": eligibility, "draft": draft,
    })


@require_http_methods(["GET", "POST"])
@citizen_view
def repair_check(request: HttpRequest, subject: Subject, record_id: int) -> HttpResponse:
    """Check your answers, with the generated 信用承诺书 to read and confirm."""
    return _check_page(
        request, subject, record_id, "application", forms.CommitmentForm, "repair/repair_check.html",
        uploads=lambda draft: [*draft["proof"], *draft["extra"]],
        file_case=lambda record, draft: services.apply_for_repair(
            record, by=request.user, fulfilment=draft["fulfilment"], commitment_confirmed=True,
            proof=services.unstash_uploads(draft["proof"]), extra_actions=draft["extra_actions"],
            extra_files=services.unstash_uploads(draft["extra"]),
        ),
        context=lambda record: {"commitment": services.commitment_text_for(record, subject)},
    )


@require_http_methods(["GET", "POST"])
@citizen_view
def rate(request: HttpRequest, subject: Subject, kind: str, pk: int) -> HttpResponse:
    case = _own_case(request, subject, kind, pk)
    form = forms.RatingForm(posted(request))
    done = form_step(
        request, form,
        lambda data: services.rate_case(case, by=request.user, score=data["score"], comment=data["comment"]),
        success=_("Thank you for your rating."), to="repair:my_case", kind=kind, pk=case.pk,
    )
    return done or render(request, "repair/rate.html", {"form": form, "case": case, "kind": kind})
