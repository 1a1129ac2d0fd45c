"""Pages of the repair app (journey 3, DESIGN §1, §5, §10): thin views over
``repair.services`` (writes) and ``repair.selectors`` (who sees what).

Access (DESIGN §6): anonymous users go to the log-in page; a citizen sees only their
own records and cases (someone else's case is 404); credit-office pages are 403 for
anyone else; department staff see only objections about their departments' records.
Irreversible steps (filing, concluding, deciding, correcting) pass through a
check-your-answers page and end on a confirmation page with the reference.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.forms import Form
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from archives.models import CreditRecord, Subject
from archives.selectors import get_record_for_view
from archives.services.evidence import check_upload
from credit_portal.exceptions import NotFound, TransitionNotAllowed
from credit_portal.models import User
from credit_portal.roles import Role
from departments.scope import department_ids, is_credit_office
from disclosure import selectors as disclosure_selectors
from disclosure.views.common import citizen_view
from repair import deadlines, forms, selectors, services
from repair.models import CaseFile, DeadlineRule, Objection, Rating, RepairApplication

KINDS = {"objection": Objection, "application": RepairApplication}


# --- helpers ---------------------------------------------------------------------------------


def _add_errors(form: Form, exc: ValidationError) -> None:
    """A service's ``ValidationError`` on the field it names, else above the form."""
    if hasattr(exc, "error_dict"):
        for name, errors in exc.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


def _refused(form: Form, exc: TransitionNotAllowed) -> None:
    form.add_error(None, str(exc))


def _data(request: HttpRequest) -> Any:
    """The POST data of a submission (even an empty one), None for a GET."""
    return request.POST if request.method == "POST" else None


def _posted(request: HttpRequest) -> tuple[Any, Any]:
    return (_data(request), request.FILES if request.method == "POST" else None)


def _staff_view(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Department staff and the credit office; others 403; ``NotFound`` → 404."""

    @login_required
    @never_cache
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not (department_ids(request.user) or is_credit_office(request.user)):
            raise PermissionDenied
        try:
            return view(request, *args, **kwargs)
        except NotFound:
            raise Http404 from None

    return wrapped


def _office_view(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """The credit office only (403 for everyone else)."""

    @login_required
    @never_cache
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not is_credit_office(request.user):
            raise PermissionDenied
        try:
            return view(request, *args, **kwargs)
        except NotFound:
            raise Http404 from None

    return wrapped


def _own_record(subject: Subject, record_id: int) -> CreditRecord:
    try:
        return CreditRecord.objects.select_related("archive__occupation", "archive__department", "category").get(
            pk=record_id, archive__subject=subject, is_current=True
        )
    except CreditRecord.DoesNotExist:
        raise Http404 from None


def _own_case(subject: Subject, kind: str, pk: int) -> Objection | RepairApplication:
    model = KINDS.get(kind)
    if model is None:
        raise Http404
    try:
        return model.objects.select_related("record__archive__occupation", "record__archive__department").get(
            pk=pk, subject=subject
        )
    except model.DoesNotExist:
        raise Http404 from None


def _kind(case: Objection | RepairApplication) -> str:
    return "objection" if isinstance(case, Objection) else "application"


def _overdue(case: Objection | RepairApplication) -> bool:
    return case.due is not None and case.due < timezone.localdate()


def _stash_files(uploads: list[Any]) -> list[dict[str, str]]:
    """Keep checked uploads in private storage between the form and check-your-answers
    pages (files cannot travel in hidden fields); only opaque paths go in the session."""
    kept = []
    for upload in uploads:
        _kind_, content = check_upload(upload)
        path = default_storage.save(f"pending/{uuid.uuid4().hex}", ContentFile(content))
        kept.append({"path": path, "name": (upload.name or "file")[:200], "content_type": _kind_.content_type})
    return kept


def _unstash_files(kept: list[dict[str, str]]) -> list[SimpleUploadedFile]:
    files = []
    for item in kept:
        with default_storage.open(item["path"], "rb") as handle:
            files.append(SimpleUploadedFile(item["name"], handle.read(), content_type=item["content_type"]))
    return files


def _drop_files(kept: list[dict[str, str]]) -> None:
    for item in kept:
        default_storage.delete(item["path"])


def _check_files(form: Form, name: str) -> list[dict[str, str]] | None:
    try:
        return _stash_files(form.cleaned_data.get(name) or [])
    except ValidationError as exc:
        form.add_error(name, exc.messages)
        return None


# --- citizen: my records and cases -----------------------------------------------------------


@require_GET
@citizen_view
def my_repair(request: HttpRequest, subject: Subject) -> HttpResponse:
    """For each of my records: whether and when it can be repaired, and my cases."""
    rows = []
    for archive in disclosure_selectors.own_archives(subject):
        for record in archive.records.all():
            if record.state != CreditRecord.State.PUBLISHED:
                continue
            rows.append({
                "record": record, "archive": archive,
                "eligibility": services.repair_eligibility(record) if record.is_negative else None,
                "open_objection": selectors.open_objection_for(record),
                "open_repair": RepairApplication.objects.filter(
                    record__lineage=record.lineage, state__in=RepairApplication.OPEN_STATES
                ).first(),
            })
    cases = selectors.cases_of_subject(subject)
    for case in cases:
        case.kind = _kind(case)
        case.is_overdue = _overdue(case)
    return render(request, "repair/my_repair.html", {"rows": rows, "cases": cases, "subject": subject})


@require_http_methods(["GET", "POST"])
@citizen_view
def objection_new(request: HttpRequest, subject: Subject, record_id: int) -> HttpResponse:
    record = _own_record(subject, record_id)
    key = f"repair-objection-{record.pk}"
    draft = request.session.get(key) or {}
    form = forms.ObjectionForm(*_posted(request), initial={"reasons": draft.get("reasons", "")})
    if request.method == "POST" and form.is_valid():
        kept = _check_files(form, "evidence")
        if kept is not None:
            # A changed answer replaces the files only when new ones are chosen.
            if kept:
                _drop_files(draft.get("files", []))
            else:
                kept = draft.get("files", [])
            request.session[key] = {"reasons": form.cleaned_data["reasons"], "files": kept}
            return redirect("repair:objection_check", record_id=record.pk)
    return render(request, "repair/objection_form.html", {
        "form": form, "record": record, "draft": draft,
        "accept_days": deadlines.rule(DeadlineRule.Key.OBJECTION_ACCEPT)[0],
    })


@require_http_methods(["GET", "POST"])
@citizen_view
def objection_check(request: HttpRequest, subject: Subject, record_id: int) -> HttpResponse:
    record = _own_record(subject, record_id)
    key = f"repair-objection-{record.pk}"
    draft = request.session.get(key)
    if not draft:
        return redirect("repair:objection_new", record_id=record.pk)
    form = forms.ConfirmForm(_data(request))
    if request.method == "POST" and form.is_valid():
        try:
            case = services.file_objection(
                record, by=request.user, reasons=draft["reasons"], files=_unstash_files(draft["files"])
            )
        except ValidationError as exc:
            form.add_error(None, exc.messages)
        except TransitionNotAllowed as exc:
            form.add_error(None, str(exc))
        else:
            _drop_files(draft["files"])
            del request.session[key]
            return redirect("repair:filed", kind="objection", pk=case.pk)
    return render(request, "repair/objection_check.html", {"record": record, "draft": draft, "form": form})


@require_GET
@citizen_view
def filed(request: HttpRequest, subject: Subject, kind: str, pk: int) -> HttpResponse:
    case = _own_case(subject, kind, pk)
    key = DeadlineRule.Key.OBJECTION_CONCLUDE if kind == "objection" else DeadlineRule.Key.REPAIR_DECIDE
    days, unit = deadlines.rule(key)
    return render(request, "repair/filed.html", {
        "case": case, "kind": kind, "days": days, "working_days": unit == DeadlineRule.Unit.WORKING,
    })


@require_GET
@citizen_view
def my_case(request: HttpRequest, subject: Subject, kind: str, pk: int) -> HttpResponse:
    case = _own_case(subject, kind, pk)
    statement = getattr(case, "statement", None) if kind == "objection" else None
    return render(request, "repair/my_case.html", {
        "case": case, "kind": kind, "events": case.events.select_related("actor"), "files": case.files.all(),
        "overdue": _overdue(case), "statement": statement, "rating": getattr(case, "rating", None),
        "can_add_statement": kind == "objection" and case.state == Objection.State.UNVERIFIABLE and statement is None,
    })


@require_http_methods(["GET", "POST"])
@citizen_view
def statement_new(request: HttpRequest, subject: Subject, pk: int) -> HttpResponse:
    case = _own_case(subject, "objection", pk)
    form = forms.StatementForm(_data(request))
    if request.method == "POST" and form.is_valid():
        try:
            services.add_personal_statement(case, by=request.user, text=form.cleaned_data["text"])
        except ValidationError as exc:
            _add_errors(form, exc)
        except TransitionNotAllowed as exc:
            _refused(form, exc)
        else:
            messages.success(request, _("Your personal statement is now shown with the record."))
            return redirect("repair:my_case", kind="objection", pk=case.pk)
    return render(request, "repair/statement_form.html", {"form": form, "case": case})


@require_http_methods(["GET", "POST"])
@citizen_view
def repair_new(request: HttpRequest, subject: Subject, record_id: int) -> HttpResponse:
    record = _own_record(subject, record_id)
    eligibility = services.repair_eligibility(record)
    key = f"repair-application-{record.pk}"
    draft = request.session.get(key) or {}
    form = forms.RepairForm(
        *_posted(request),
        initial={"fulfilment": draft.get("fulfilment", ""), "extra_actions": draft.get("extra_actions", "")},
    )
    if draft.get("proof"):
        form.fields["proof"].required = False  # already given; a new choice replaces it
    if request.method == "POST" and eligibility.repairable and form.is_valid():
        proof = _check_files(form, "proof")
        extra = _check_files(form, "extra_files")
        if proof is not None and extra is not None:
            if proof:
                _drop_files(draft.get("proof", []))
            if extra:
                _drop_files(draft.get("extra", []))
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
    record = _own_record(subject, record_id)
    key = f"repair-application-{record.pk}"
    draft = request.session.get(key)
    if not draft:
        return redirect("repair:repair_new", record_id=record.pk)
    form = forms.CommitmentForm(_data(request))
    if request.method == "POST" and form.is_valid():
        try:
            case = services.apply_for_repair(
                record, by=request.user, fulfilment=draft["fulfilment"], commitment_confirmed=True,
                proof=_unstash_files(draft["proof"]), extra_actions=draft["extra_actions"],
                extra_files=_unstash_files(draft["extra"]),
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        except TransitionNotAllowed as exc:
            _refused(form, exc)
        else:
            _drop_files([*draft["proof"], *draft["extra"]])
            del request.session[key]
            return redirect("repair:filed", kind="application", pk=case.pk)
    return render(request, "repair/repair_check.html", {
        "record": record, "draft": draft, "form": form, "commitment": services.commitment_text_for(record, subject),
    })


@require_http_methods(["GET", "POST"])
@citizen_view
def rate(request: HttpRequest, subject: Subject, kind: str, pk: int) -> HttpResponse:
    case = _own_case(subject, kind, pk)
    form = forms.RatingForm(_data(request))
    if request.method == "POST" and form.is_valid():
        try:
            services.rate_case(case, by=request.user, score=form.cleaned_data["score"],
                               comment=form.cleaned_data["comment"])
        except ValidationError as exc:
            _add_errors(form, exc)
        except TransitionNotAllowed as exc:
            _refused(form, exc)
        else:
            messages.success(request, _("Thank you for your rating."))
            return redirect("repair:my_case", kind=kind, pk=case.pk)
    return render(request, "repair/rate.html", {"form": form, "case": case, "kind": kind})


# --- files -----------------------------------------------------------------------------------


@require_GET
@login_required
@never_cache
def case_file(request: HttpRequest, file_id: uuid.UUID) -> HttpResponse:
    """A case file, only to someone who may see its case; always as an attachment with
    nosniff so a browser never renders an uploaded file as a page (DESIGN §8)."""
    try:
        row = CaseFile.objects.get(pk=file_id)
    except CaseFile.DoesNotExist:
        raise Http404 from None
    kind, pk = ("objection", row.objection_id) if row.objection_id else ("application", row.application_id)
    try:
        selectors.get_case_for_view(request.user, kind, pk)
    except NotFound:
        raise Http404 from None
    response = FileResponse(row.file.open("rb"), as_attachment=True, filename=row.original_name,
                            content_type=row.content_type)
    response["X-Content-Type-Options"] = "nosniff"
    return response


# --- credit office ---------------------------------------------------------------------------

@require_GET
@_office_view
def queue(request: HttpRequest) -> HttpResponse:
    stages = selectors.queue(request.user)
    labels = {
        "objection_submitted": _("Objections awaiting acceptance"),
        "objection_verifying": _("Objections with the department for verification"),
        "objection_proposed": _("Objections answered by the department, to conclude"),
        "repair_submitted": _("Repair applications awaiting acceptance"),
        "repair_accepted": _("Repair applications accepted, to decide"),
    }
    groups = []
    for key, cases in stages.items():
        for case in cases:
            case.kind = _kind(case)
        groups.append({"key": key, "label": labels[key], "cases": cases})
    overdue = sum(1 for g in groups for c in g["cases"] if c.overdue)
    return render(request, "repair/queue.html", {
        "groups": groups, "overdue": overdue, "ratings": selectors.ratings_to_follow_up().count(),
    })


def _officers() -> Any:
    return User.objects.filter(groups__name=Role.CREDIT_OFFICE, is_active=True).order_by("username").distinct()


def _case_context(request: HttpRequest, case: Objection | RepairApplication, kind: str) -> dict[str, Any]:
    office = is_credit_office(request.user)
    may_act = office and services.may_handle(request.user, case)
    if not office:
        why_not = ""
    elif not case.is_open:
        why_not = _("This case is concluded; nothing more can be done on it.")
    elif not may_act:
        why_not = _("This case is assigned to %(officer)s: only they or a supervisor can act on it.") % {
            "officer": case.assigned_to.get_full_name() or case.assigned_to.get_username()
        }
    else:
        why_not = ""
    may_propose = (
        kind == "objection" and not office and case.state in {Objection.State.VERIFYING, Objection.State.PROPOSED}
    )
    return {
        "case": case, "kind": kind, "office": office, "may_act": may_act and case.is_open, "why_not": why_not,
        "is_supervisor": services.is_supervisor(request.user),
        "may_take": office and case.is_open and case.assigned_to_id is None,
        "may_propose": may_propose,
        "events": case.events.select_related("actor"), "files": case.files.all(),
        "overdue": _overdue(case), "statement": selectors.statement_for(case.record),
        "assign_form": forms.AssignForm(officers=_officers()) if services.is_supervisor(request.user) else None,
        "refuse_form": forms.ReasonForm(),
    }


@require_GET
@_staff_view
def case_detail(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    if kind not in KINDS:
        raise Http404
    case = selectors.get_case_for_view(request.user, kind, pk)
    return render(request, "repair/case.html", _case_context(request, case, kind))


def _office_case(request: HttpRequest, kind: str, pk: int) -> Objection | RepairApplication:
    if kind not in KINDS:
        raise Http404
    return selectors.get_case_for_view(request.user, kind, pk)


@require_POST
@_office_view
def case_accept(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    case = _office_case(request, kind, pk)
    accept = services.accept_objection if kind == "objection" else services.accept_repair
    try:
        accept(case, by=request.user)
    except TransitionNotAllowed as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("The case is accepted."))
    return redirect("repair:case", kind=kind, pk=case.pk)


@require_http_methods(["GET", "POST"])
@_office_view
def case_refuse(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    case = _office_case(request, kind, pk)
    form = forms.ReasonForm(_data(request))
    if request.method == "POST" and form.is_valid():
        refuse = services.refuse_objection if kind == "objection" else services.refuse_repair
        try:
            refuse(case, by=request.user, reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            _add_errors(form, exc)
        except TransitionNotAllowed as exc:
            _refused(form, exc)
        else:
            messages.success(request, _("The case is refused and the citizen has been told why."))
            return redirect("repair:case", kind=kind, pk=case.pk)
    return render(request, "repair/reason_form.html", {
        "form": form, "case": case, "kind": kind, "title": _("Refuse the case"),
        "button": _("Refuse the case"),
    })


@require_POST
@_office_view
def case_assign(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    case = _office_case(request, kind, pk)
    if request.POST.get("take") == "1":
        officer = request.user
    else:
        form = forms.AssignForm(request.POST, officers=_officers())
        if not form.is_valid():
            context = _case_context(request, case, kind)
            context["assign_form"] = form
            return render(request, "repair/case.html", context, status=400)
        officer = form.cleaned_data["officer"]
    try:
        services.assign_case(case, officer=officer, by=request.user)
    except (ValidationError, TransitionNotAllowed) as exc:
        messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
    else:
        messages.success(request, _("The case is assigned."))
    return redirect("repair:case", kind=kind, pk=case.pk)


def _two_step(request: HttpRequest, form: Form) -> bool:
    """True when the POST confirms answers already shown on a check-your-answers page."""
    return request.POST.get("confirmed") == "1"


@require_http_methods(["GET", "POST"])
@_office_view
def case_conclude(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    """Conclude an objection or decide a repair application: form, check your answers,
    then the service (one of two officers racing loses with a clear message)."""
    case = _office_case(request, kind, pk)
    if kind == "objection":
        form = forms.ConcludeForm(_data(request), initial={"decision": case.proposal})
    else:
        form = forms.DecideRepairForm(_data(request))
    if request.method == "POST" and form.is_valid():
        if not _two_step(request, form):
            return render(request, "repair/conclude_check.html", {"form": form, "case": case, "kind": kind})
        try:
            if kind == "objection":
                services.conclude_objection(case, by=request.user, reason=form.cleaned_data["reason"],
                                            decision=form.cleaned_data["decision"])
            else:
                services.decide_repair(case, by=request.user, approve=form.cleaned_data["approve"],
                                       reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            _add_errors(form, exc)
        except TransitionNotAllowed as exc:
            _refused(form, exc)
        else:
            return redirect("repair:concluded", kind=kind, pk=case.pk)
    return render(request, "repair/conclude_form.html", {"form": form, "case": case, "kind": kind})


@require_GET
@_office_view
def concluded(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    case = _office_case(request, kind, pk)
    return render(request, "repair/concluded.html", {"case": case, "kind": kind})


@require_GET
@_office_view
def ratings(request: HttpRequest) -> HttpResponse:
    rows = list(selectors.ratings_to_follow_up())
    for rating in rows:
        rating.case = rating.objection or rating.application
        rating.kind = _kind(rating.case)
    return render(request, "repair/ratings.html", {"ratings": rows})


@require_http_methods(["GET", "POST"])
@_office_view
def rating_follow_up(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        rating = Rating.objects.get(pk=pk)
    except Rating.DoesNotExist:
        raise Http404 from None
    form = forms.FollowUpForm(_data(request))
    if request.method == "POST" and form.is_valid():
        try:
            services.follow_up_rating(rating, by=request.user, note=form.cleaned_data["note"])
        except ValidationError as exc:
            _add_errors(form, exc)
        except TransitionNotAllowed as exc:
            _refused(form, exc)
        else:
            messages.success(request, _("The follow-up is recorded."))
            return redirect("repair:ratings")
    return render(request, "repair/follow_up.html", {"form": form, "rating": rating,
                                                     "case": rating.objection or rating.application})


# --- departments -----------------------------------------------------------------------------


@require_GET
@_staff_view
def department_queue(request: HttpRequest) -> HttpResponse:
    cases = list(selectors.department_objections(request.user))
    for case in cases:
        case.is_overdue = _overdue(case)
    return render(request, "repair/department_queue.html", {"cases": cases})


@require_http_methods(["GET", "POST"])
@_staff_view
def propose(request: HttpRequest, pk: int) -> HttpResponse:
    case = selectors.get_case_for_view(request.user, "objection", pk)
    form = forms.ProposalForm(_data(request))
    if request.method == "POST" and form.is_valid():
        try:
            services.propose_outcome(case, by=request.user, proposal=form.cleaned_data["proposal"],
                                     reason=form.cleaned_data["reason"], changes=form.changes())
        except ValidationError as exc:
            _add_errors(form, exc)
        except TransitionNotAllowed as exc:
            _refused(form, exc)
        else:
            messages.success(request, _("Your answer has been sent to the credit office."))
            return redirect("repair:case", kind="objection", pk=case.pk)
    return render(request, "repair/propose.html", {"form": form, "case": case})


@require_http_methods(["GET", "POST"])
@_staff_view
def correct_on_initiative(request: HttpRequest, record_id: int) -> HttpResponse:
    """A reviewer or the credit office corrects or withdraws a record without an
    objection, with a reason (001 §三(六)); check your answers first."""
    record = get_record_for_view(request.user, record_id, request=request)
    form = forms.InitiativeForm(_data(request))
    if request.method == "POST" and form.is_valid():
        if not _two_step(request, form):
            return render(request, "repair/initiative_check.html", {"form": form, "record": record})
        try:
            result = services.correct_on_initiative(
                record, by=request.user, action=form.cleaned_data["action"], reason=form.cleaned_data["reason"],
                changes=form.changes(),
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        except TransitionNotAllowed as exc:
            _refused(form, exc)
        else:
            messages.success(request, _("The record has been changed."))
            return redirect("archives:record", record_id=result.pk)
    return render(request, "repair/initiative_form.html", {"form": form, "record": record})
