"""Pages for department clerks and reviewers (issue 3, journey 1).

Each view is thin: a selector finds the object in the user's scope (``NotFound`` →
404, so a department never learns that another keeps someone), a form checks what was
typed, a service does the change (``PermissionDenied`` → 403, ``ValidationError`` →
the form's errors, ``TransitionNotAllowed`` → a message), then a redirect. ID numbers
and phone numbers never travel in a URL: searches and "show in full" are POSTs.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from itertools import groupby
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.forms import Form
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from archives import annotations, exports, forms, selectors, services
from archives.models import AnnualFinding, Archive, CreditRecord, Evidence
from credit_portal import audit
from credit_portal.exceptions import NotFound, TransitionNotAllowed
from departments.models import Membership
from departments.scope import department_ids, is_credit_office

CLERK = Membership.Role.CLERK
REVIEWER = Membership.Role.REVIEWER
State = CreditRecord.State

# The fields compared across versions of a record, in the order the history shows them.
HISTORY_FIELDS = (
    "state", "category", "polarity", "severity", "title", "description", "decision_number", "deciding_body",
    "occurred_on", "decided_on", "domain", "unit_credit_code", "is_penalty", "display_until", "change_reason",
)


# --- access ------------------------------------------------------------------------------


def staff_view(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Department staff and the credit office only (DESIGN §6): anonymous users go to
    the log-in page, citizens and institutions get 403; ``NotFound`` becomes 404."""

    @login_required
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not (department_ids(request.user) or is_credit_office(request.user)):
            raise PermissionDenied
        try:
            return view(request, *args, **kwargs)
        except NotFound:
            raise Http404 from None

    return wrapped


def _require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied


def _roles_on(user: object, archive: Archive) -> set[str]:
    """The roles (clerk, reviewer) ``user`` holds in a department that may act on
    ``archive`` – the same rule as ``selectors.can_act_on``, with the archive's acting
    departments read once per page instead of once per button."""
    acting = selectors.acting_department_ids(archive)
    return {role for role in (CLERK, REVIEWER) if department_ids(user, role=role) & acting}


def _may_edit(user: object, archive: Archive) -> bool:
    return bool(_roles_on(user, archive))


def _add_errors(form: Form, exc: ValidationError) -> None:
    """Put a service's ``ValidationError`` on the form: on the field it names when the
    form has it, otherwise above the form."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


def _transition_refused(request: HttpRequest, exc: Exception, to: str) -> HttpResponse:
    messages.error(request, str(exc))
    return redirect(to)


# --- dashboard and finding people ----------------------------------------------------------


@require_GET
@staff_view
def dashboard(request: HttpRequest) -> HttpResponse:
    """Drafts, returned records, records awaiting review and archives overdue by the
    cadence of 001 §三(五)."""
    data = selectors.dashboard(request.user)
    context = {key: list(value) for key, value in data.items()}
    context["is_reviewer"] = bool(department_ids(request.user, role=REVIEWER))
    context["memberships"] = list(selectors.memberships_of(request.user))
    return render(request, "archives/dashboard.html", context)


@require_http_methods(["GET", "POST"])
@staff_view
def find_subject(request: HttpRequest) -> HttpResponse:
    """Find a person by exact ID number (through the blind index) or by name within the
    user's scope. Both are POSTs so neither lands in a URL, a log or the history."""
    id_form = forms.FindByIdNumberForm(prefix="id")
    name_form = forms.FindByNameForm(prefix="name")
    context: dict[str, Any] = {}
    if request.method == "POST" and request.POST.get("search") == "id":
        id_form = forms.FindByIdNumberForm(request.POST, prefix="id")
        if id_form.is_valid():
            subject = services.find_subject_by_id_number(id_form.cleaned_data["id_number"])
            if subject is not None and selectors.subjects_visible_to(request.user).filter(pk=subject.pk).exists():
                return redirect("archives:subject", subject_id=subject.pk)
            # Not kept by this department (or by no one): offer to register the person.
            # Whether another department keeps them is not said (DESIGN §6).
            context["not_found"] = True
            if department_ids(request.user):
                context["register_form"] = forms.RegisterPersonForm(
                    initial={"id_number": id_form.cleaned_data["id_number"]},
                    department_ids=department_ids(request.user),
                )
    elif request.method == "POST" and request.POST.get("search") == "name":
        name_form = forms.FindByNameForm(request.POST, prefix="name")
        if name_form.is_valid():
            results = selectors.archives_named(request.user, name_form.cleaned_data["name"])
            audit.record_read("subject.searched", actor=request.user, detail={"by": "name", "results": len(results)},
                         request=request)
            context["results"] = results
    context.update({"id_form": id_form, "name_form": name_form})
    return render(request, "archives/find_subject.html", context)


@require_http_methods(["GET", "POST"])
@staff_view
def register_person(request: HttpRequest) -> HttpResponse:
    """Register a person (or find them by ID number, never twice) and open their
    archive with the user's department in one step."""
    dept_ids = department_ids(request.user)
    _require(bool(dept_ids))
    form = forms.RegisterPersonForm(request.POST or None, department_ids=dept_ids)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            # Both or neither: a person registered without the archive would be out of
            # every department's scope and so invisible to the clerk who entered them.
            with transaction.atomic():
                subject, _created = services.find_or_create_subject(
                    name=data["name"], id_number=data["id_number"], phone=data["phone"],
                    political_status=data["political_status"], education=data["education"], by=request.user,
                )
                archive = services.open_archive(
                    subject=subject, occupation=data["occupation"], department=data["department"],
                    employer=data["employer"], title=data["title"], post=data["post"],
                    practice_start=data["practice_start"], duties=data["duties"], by=request.user,
                )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("The archive is open."))
            return redirect("archives:archive", archive_id=archive.pk)
    return render(request, "archives/register_person.html", {"form": form})


# --- subjects ------------------------------------------------------------------------------


@require_GET
@staff_view
def subject_detail(request: HttpRequest, subject_id: str) -> HttpResponse:
    subject = selectors.get_subject_for_view(request.user, subject_id, request=request)
    archives = list(selectors.archives_visible_to(request.user).filter(subject=subject).order_by("occupation__sort_order"))
    return render(
        request, "archives/subject.html",
        {"subject": subject, "archives": archives, "can_open": bool(department_ids(request.user)),
         "viewed_at": timezone.localtime()},
    )


@require_http_methods(["GET", "POST"])
@staff_view
def subject_edit(request: HttpRequest, subject_id: str) -> HttpResponse:
    subject = selectors.get_subject_for_view(request.user, subject_id, request=request)
    _require(bool(department_ids(request.user)) or is_credit_office(request.user))
    initial = {
        "name": subject.name, "phone": subject.phone, "political_status": subject.political_status,
        "education": subject.education,
    }
    form = forms.SubjectEditForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_subject(subject, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("The person's details are saved."))
            return redirect("archives:subject", subject_id=subject.pk)
    return render(request, "archives/subject_edit.html", {"subject": subject, "form": form})


# --- archives ------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@staff_view
def archive_open(request: HttpRequest, subject_id: str) -> HttpResponse:
    subject = selectors.get_subject_for_view(request.user, subject_id, request=request)
    dept_ids = department_ids(request.user)
    _require(bool(dept_ids))
    form = forms.OpenArchiveForm(request.POST or None, department_ids=dept_ids)
    if request.method == "POST" and form.is_valid():
        try:
            archive = services.open_archive(subject=subject, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("The archive is open."))
            return redirect("archives:archive", archive_id=archive.pk)
    return render(request, "archives/archive_open.html", {"subject": subject, "form": form})


def _history_rows(versions: list[CreditRecord]) -> list[dict[str, Any]]:
    """The versions of one record side by side: one row per field, one cell per
    version, ``changed`` where a version differs from the one before it."""
    rows = []
    for name in HISTORY_FIELDS:
        field = CreditRecord._meta.get_field(name)
        cells = []
        previous: object = None
        for index, version in enumerate(versions):
            raw = getattr(version, name)
            display_method = getattr(version, f"get_{name}_display", None)
            if display_method is not None and raw:
                shown: object = display_method()
            elif isinstance(raw, bool):
                shown = _("yes") if raw else _("no")
            else:
                shown = raw if raw not in (None, "") else "—"
            cells.append({"value": shown, "changed": index > 0 and raw != previous})
            previous = raw
        rows.append({"label": field.verbose_name, "cells": cells, "changed": any(c["changed"] for c in cells)})
    return rows


def _record_flags(record: CreditRecord) -> list[str]:
    flags = []
    if record.under_objection:
        flags.append(_("under objection"))
    if record.state in {State.REPAIRED, State.EXPIRED, State.WITHDRAWN, State.CORRECTED}:
        flags.append(record.get_state_display())
    if record.subject_was_minor:
        flags.append(_("minor at the time"))
    return flags


# States in which a negative record is part of the person's history: it was published.
SHOWN_NEGATIVE_STATES = {State.PUBLISHED, State.REPAIRED, State.EXPIRED}
REWARDS_CATEGORY = "rewards-penalties"


def _archive_context(request: HttpRequest, archive: Archive, *, revealed: dict[str, str] | None = None) -> dict[str, Any]:
    records = list(selectors.archive_records(archive))
    earlier = selectors.archive_earlier_versions(archive)
    # The subject's personal statements (本人声明, issue 6) are shown with their records;
    # repair provides them through the registry, so archives does not import repair.
    statements = annotations.personal_statements([record.lineage for record in records])
    entries = []
    for record in records:
        versions = [*earlier.get(record.lineage, []), record]
        entries.append({
            "record": record,
            "statement": statements.get(record.lineage, ""),
            "flags": _record_flags(record),
            "history": _history_rows(versions) if len(versions) > 1 else None,
            "versions": versions,
        })
    groups = [
        {"category": category, "entries": list(items)}
        for category, items in groupby(
            (e for e in entries if e["record"].category.code != REWARDS_CATEGORY), key=lambda e: e["record"].category
        )
    ]
    rewards = [e for e in entries if e["record"].category.code == REWARDS_CATEGORY]
    findings = list(selectors.archive_findings(archive))
    roles = _roles_on(request.user, archive)
    is_open = archive.state == Archive.State.OPEN
    return {
        "archive": archive,
        "subject": archive.subject,
        "groups": groups,
        "rewards": rewards,
        "findings": findings,
        "has_negative": any(r.is_negative and r.state in SHOWN_NEGATIVE_STATES for r in records),
        "revealed": revealed or {},
        "viewed_at": timezone.localtime(),
        "can_enter": CLERK in roles and is_open,
        "can_edit": bool(roles) and is_open,
        "can_close": REVIEWER in roles and is_open,
    }


@require_GET
@staff_view
def archive_detail(request: HttpRequest, archive_id: int) -> HttpResponse:
    """The archive laid out like 001's 信用信息记录表 (annex)."""
    archive = selectors.get_archive_for_view(request.user, archive_id, request=request)
    return render(request, "archives/archive.html", _archive_context(request, archive))


@require_POST
@staff_view
def archive_reveal(request: HttpRequest, archive_id: int) -> HttpResponse:
    """Show the ID number or phone in full: answered in the POST response itself (never a
    URL), and written to the audit trail as its own read."""
    archive = selectors.get_archive_for_view(request.user, archive_id, request=request)
    form = forms.RevealForm(request.POST)
    if not form.is_valid():
        return redirect("archives:archive", archive_id=archive.pk)
    field = form.cleaned_data["field"]
    audit.record_read(
        "subject.revealed", actor=request.user, target=archive.subject, subject_ref=str(archive.subject_id),
        detail={"field": field}, request=request,
    )
    revealed = {field: getattr(archive.subject, field) or "—"}
    return render(request, "archives/archive.html", _archive_context(request, archive, revealed=revealed))


@require_http_methods(["GET", "POST"])
@staff_view
def archive_edit(request: HttpRequest, archive_id: int) -> HttpResponse:
    archive = selectors.get_archive_for_view(request.user, archive_id, request=request)
    _require(_may_edit(request.user, archive))
    initial = {name: getattr(archive, name) for name in ("employer", "title", "post", "practice_start", "duties")}
    form = forms.ArchiveEditForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_archive(archive, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            _add_errors(form, exc)
        except TransitionNotAllowed as exc:
            return _transition_refused(request, exc, reverse("archives:archive", args=[archive.pk]))
        else:
            messages.success(request, _("The archive is saved."))
            return redirect("archives:archive", archive_id=archive.pk)
    return render(request, "archives/archive_edit.html", {"archive": archive, "form": form})


@require_http_methods(["GET", "POST"])
@staff_view
def archive_close(request: HttpRequest, archive_id: int) -> HttpResponse:
    archive = selectors.get_archive_for_view(request.user, archive_id, request=request)
    _require(selectors.can_act_on(request.user, archive, role=REVIEWER))
    form = forms.ReasonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.close_archive(archive, reason=form.cleaned_data["reason"], by=request.user)
        except ValidationError as exc:
            _add_errors(form, exc)
        except TransitionNotAllowed as exc:
            return _transition_refused(request, exc, reverse("archives:archive", args=[archive.pk]))
        else:
            messages.success(request, _("The archive is closed."))
            return redirect("archives:archive", archive_id=archive.pk)
    return render(request, "archives/archive_close.html", {"archive": archive, "form": form})


@require_GET
@staff_view
def archive_print(request: HttpRequest, archive_id: int) -> HttpResponse:
    """The yearly archive form of 001's annex, for printing (print CSS)."""
    archive = selectors.get_archive_for_view(request.user, archive_id, request=request)
    try:
        year = int(request.GET.get("year") or timezone.localdate().year)
    except ValueError:
        year = timezone.localdate().year
    records = [
        r for r in selectors.archive_records(archive, include_drafts=False)
        if r.decided_on.year == year and r.state not in {State.SUBMITTED, State.RETURNED}
    ]
    finding = next(
        (f for f in selectors.archive_findings(archive) if f.year == year and f.is_current), None
    )
    return render(
        request, "archives/archive_print.html",
        {"archive": archive, "subject": archive.subject, "year": year, "records": records, "finding": finding,
         "rewards": [r for r in records if r.category.code == REWARDS_CATEGORY],
         "others": [r for r in records if r.category.code != REWARDS_CATEGORY],
         "today": timezone.localdate(), "viewed_at": timezone.localtime()},
    )


@require_GET
@staff_view
def archive_export(request: HttpRequest, archive_id: int) -> HttpResponse:
    """One archive as an Excel workbook with Chinese headers. The ID number stays masked."""
    archive = selectors.get_archive_for_view(request.user, archive_id, request=request)
    content = exports.archive_workbook(
        archive, selectors.archive_records(archive, include_drafts=False), selectors.archive_findings(archive)
    )
    audit.record_read("archive.exported", actor=request.user, target=archive, subject_ref=str(archive.subject_id),
                 request=request)
    response = HttpResponse(content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    # The file name carries the archive number only: no name, no ID number.
    response["Content-Disposition"] = f'attachment; filename="archive-{archive.pk}-{timezone.localdate():%Y%m%d}.xlsx"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


# --- records -------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@staff_view
def record_new(request: HttpRequest, archive_id: int) -> HttpResponse:
    archive = selectors.get_archive_for_view(request.user, archive_id, request=request)
    _require(selectors.can_act_on(request.user, archive, role=CLERK))
    form = forms.RecordForm(request.POST or None, categories=services.categories_for(archive))
    if request.method == "POST" and form.is_valid():
        try:
            record = services.draft_record(archive, by=request.user, **form.service_data())
        except ValidationError as exc:
            _add_errors(form, exc)
        except TransitionNotAllowed as exc:
            return _transition_refused(request, exc, reverse("archives:archive", args=[archive.pk]))
        else:
            messages.success(request, _("The draft is saved. Add evidence, then submit it for review."))
            return redirect("archives:record", record_id=record.pk)
    return render(request, "archives/record_form.html", {"archive": archive, "form": form, "record": None})


@require_GET
@staff_view
def record_detail(request: HttpRequest, record_id: int) -> HttpResponse:
    record = selectors.get_record_for_view(request.user, record_id, request=request)
    versions = list(selectors.record_history(record))
    user = request.user
    roles = _roles_on(user, record.archive)
    is_clerk, is_reviewer = CLERK in roles, REVIEWER in roles
    return render(
        request, "archives/record.html",
        {
            "record": record, "archive": record.archive, "versions": versions,
            "history": _history_rows(versions) if len(versions) > 1 else None,
            "flags": _record_flags(record), "evidence": list(record.evidence.all()),
            "can_edit": is_clerk and record.is_editable,
            "can_add_evidence": (is_clerk or is_reviewer) and (record.is_editable or record.state == State.SUBMITTED),
            "can_review": is_reviewer and record.state == State.SUBMITTED,
            "can_correct": (is_reviewer or is_credit_office(user)) and record.state == State.PUBLISHED and record.is_current,
            "viewed_at": timezone.localtime(),
        },
    )


@require_http_methods(["GET", "POST"])
@staff_view
def record_edit(request: HttpRequest, record_id: int) -> HttpResponse:
    record = selectors.get_record_for_view(request.user, record_id, request=request)
    _require(selectors.can_act_on(request.user, record.archive, role=CLERK))
    if not record.is_editable:
        messages.error(request, _("Only drafts and returned records can be edited; a reviewer corrects a published record."))
        return redirect("archives:record", record_id=record.pk)
    form = forms.RecordForm(
        request.POST or None, initial=forms.RecordForm.initial_for(record),
        categories=services.categories_for(record.archive),
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.edit_record(record, by=request.user, **form.service_data())
        except ValidationError as exc:
            _add_errors(form, exc)
        except TransitionNotAllowed as exc:
            return _transition_refused(request, exc, reverse("archives:record", args=[record.pk]))
        else:
            messages.success(request, _("The record is saved."))
            return redirect("archives:record", record_id=record.pk)
    return render(request, "archives/record_form.html", {"archive": record.archive, "form": form, "record": record})


@require_POST
@staff_view
def record_submit(request: HttpRequest, record_id: int) -> HttpResponse:
    record = selectors.get_record_for_view(request.user, record_id, request=request)
    try:
        services.submit_record(record, by=request.user)
    except TransitionNotAllowed as exc:
        return _transition_refused(request, exc, reverse("archives:record", args=[record.pk]))
    message = _("The record is sent for review.")
    if record.is_negative:
        message += " " + _("The person has been told before publication, as the law requires.")
    messages.success(request, message)
    return redirect("archives:record", record_id=record.pk)


@require_http_methods(["GET", "POST"])
@staff_view
def record_evidence(request: HttpRequest, record_id: int) -> HttpResponse:
    record = selectors.get_record_for_view(request.user, record_id, request=request)
    _require(_may_edit(request.user, record.archive))
    form = forms.EvidenceForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.attach_evidence(
                form.cleaned_data["file"], by=request.user, record=record, description=form.cleaned_data["description"]
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("The evidence is attached."))
            return redirect("archives:record", record_id=record.pk)
    return render(request, "archives/evidence_form.html", {"form": form, "record": record, "archive": record.archive})


@require_GET
@staff_view
def evidence_download(request: HttpRequest, evidence_id: str) -> FileResponse:
    """Evidence is served only here: scoped, audited, as an attachment with nosniff."""
    try:
        evidence = selectors.evidence_visible_to(request.user).select_related("record__archive", "finding__archive").get(
            pk=evidence_id
        )
    except Evidence.DoesNotExist:
        raise Http404 from None
    archive = (evidence.record or evidence.finding).archive  # type: ignore[union-attr]
    audit.record_read("evidence.downloaded", actor=request.user, target=evidence, subject_ref=str(archive.subject_id),
                 request=request)
    response = FileResponse(
        evidence.file.open("rb"), as_attachment=True, filename=evidence.original_name,
        content_type=evidence.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


# --- review --------------------------------------------------------------------------------


REVIEW_QUEUE_SHOWN = 100


@require_GET
@staff_view
def review_queue(request: HttpRequest) -> HttpResponse:
    _require(bool(department_ids(request.user, role=REVIEWER)))
    # The oldest first and at most REVIEW_QUEUE_SHOWN: a backlog of tens of thousands
    # would otherwise be rendered on one page.
    records = list(selectors.review_queue(request.user)[: REVIEW_QUEUE_SHOWN + 1])
    return render(request, "archives/review_queue.html", {
        "records": records[:REVIEW_QUEUE_SHOWN], "more": len(records) > REVIEW_QUEUE_SHOWN, "shown": REVIEW_QUEUE_SHOWN,
    })


def _reference(record: CreditRecord) -> str:
    return f"XY{record.published_at:%Y%m%d}-{record.pk:06d}" if record.published_at else f"XY-{record.pk:06d}"


@require_GET
@staff_view
def record_review(request: HttpRequest, record_id: int) -> HttpResponse:
    """Check your answers before publishing: the reviewer sees everything that will be
    published, the evidence and whether the person was told."""
    record = selectors.get_record_for_view(request.user, record_id, request=request)
    _require(selectors.can_act_on(request.user, record.archive, role=REVIEWER))
    if record.state != State.SUBMITTED:
        messages.error(request, _("Only records awaiting review can be published."))
        return redirect("archives:record", record_id=record.pk)
    is_author = request.user.pk in {record.created_by_id, record.updated_by_id}
    return render(
        request, "archives/record_review.html",
        {"record": record, "archive": record.archive, "evidence": list(record.evidence.all()),
         "notified": record.notices.exists(), "is_author": is_author,
         "display_until": services.display_until_for(record)},
    )


@require_POST
@staff_view
def record_publish(request: HttpRequest, record_id: int) -> HttpResponse:
    record = selectors.get_record_for_view(request.user, record_id, request=request)
    try:
        services.publish_record(record, by=request.user)
    except (TransitionNotAllowed, ValidationError) as exc:
        text = " ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
        messages.error(request, text)
        return redirect("archives:record_review" if record.state == State.SUBMITTED else "archives:record", record_id=record.pk)
    return redirect("archives:record_published", record_id=record.pk)


@require_GET
@staff_view
def record_published(request: HttpRequest, record_id: int) -> HttpResponse:
    record = selectors.get_record_for_view(request.user, record_id, request=request)
    if record.state != State.PUBLISHED:
        return redirect("archives:record", record_id=record.pk)
    return render(request, "archives/record_published.html",
                  {"record": record, "archive": record.archive, "reference": _reference(record)})


@require_http_methods(["GET", "POST"])
@staff_view
def record_return(request: HttpRequest, record_id: int) -> HttpResponse:
    record = selectors.get_record_for_view(request.user, record_id, request=request)
    _require(selectors.can_act_on(request.user, record.archive, role=REVIEWER))
    form = forms.ReasonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.return_record(record, reason=form.cleaned_data["reason"], by=request.user)
        except ValidationError as exc:
            _add_errors(form, exc)
        except TransitionNotAllowed as exc:
            return _transition_refused(request, exc, reverse("archives:record", args=[record.pk]))
        else:
            messages.success(request, _("The record is returned to the clerk."))
            return redirect("archives:review_queue")
    return render(request, "archives/record_reason.html",
                  {"form": form, "record": record, "archive": record.archive, "action": "return"})


@require_http_methods(["GET", "POST"])
@staff_view
def record_correct(request: HttpRequest, record_id: int) -> HttpResponse:
    record = selectors.get_record_for_view(request.user, record_id, request=request)
    _require(is_credit_office(request.user) or selectors.can_act_on(request.user, record.archive, role=REVIEWER))
    form = forms.CorrectionForm(
        request.POST or None, initial=forms.RecordForm.initial_for(record),
        categories=services.categories_for(record.archive),
    )
    if request.method == "POST" and form.is_valid():
        try:
            new = services.correct_record(
                record, by=request.user, reason=form.cleaned_data["reason"], **form.service_data()
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        except TransitionNotAllowed as exc:
            return _transition_refused(request, exc, reverse("archives:record", args=[record.pk]))
        else:
            messages.success(request, _("The record is corrected; the previous version is kept in its history."))
            return redirect("archives:record", record_id=new.pk)
    return render(request, "archives/record_form.html",
                  {"archive": record.archive, "form": form, "record": record, "correcting": True})


@require_http_methods(["GET", "POST"])
@staff_view
def record_withdraw(request: HttpRequest, record_id: int) -> HttpResponse:
    record = selectors.get_record_for_view(request.user, record_id, request=request)
    _require(is_credit_office(request.user) or selectors.can_act_on(request.user, record.archive, role=REVIEWER))
    form = forms.ReasonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.withdraw_record(record, reason=form.cleaned_data["reason"], by=request.user)
        except ValidationError as exc:
            _add_errors(form, exc)
        except TransitionNotAllowed as exc:
            return _transition_refused(request, exc, reverse("archives:record", args=[record.pk]))
        else:
            messages.success(request, _("The record is withdrawn; it stays in the history."))
            return redirect("archives:record", record_id=record.pk)
    return render(request, "archives/record_reason.html",
                  {"form": form, "record": record, "archive": record.archive, "action": "withdraw"})


# --- yearly findings ---------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@staff_view
def finding_new(request: HttpRequest, archive_id: int) -> HttpResponse:
    archive = selectors.get_archive_for_view(request.user, archive_id, request=request)
    _require(_may_edit(request.user, archive))
    form = forms.FindingForm(request.POST or None, initial={"year": timezone.localdate().year, "status": "trustworthy"})
    if request.method == "POST" and form.is_valid():
        try:
            finding = services.draft_finding(archive, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("The finding is drafted. Another reviewer signs it."))
            return redirect("archives:finding", finding_id=finding.pk)
    return render(request, "archives/finding_form.html", {"archive": archive, "form": form})


@require_GET
@staff_view
def finding_detail(request: HttpRequest, finding_id: int) -> HttpResponse:
    finding = selectors.get_finding_for_view(request.user, finding_id)
    archive = finding.archive
    is_draft = finding.state == AnnualFinding.State.DRAFT
    roles = _roles_on(request.user, archive)
    return render(
        request, "archives/finding.html",
        {"finding": finding, "archive": archive, "evidence": list(finding.evidence.all()),
         "can_add_evidence": is_draft and bool(roles),
         "can_sign": is_draft and REVIEWER in roles and request.user.pk != finding.created_by_id},
    )


@require_http_methods(["GET", "POST"])
@staff_view
def finding_evidence(request: HttpRequest, finding_id: int) -> HttpResponse:
    finding = selectors.get_finding_for_view(request.user, finding_id)
    _require(_may_edit(request.user, finding.archive))
    form = forms.EvidenceForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.attach_evidence(
                form.cleaned_data["file"], by=request.user, finding=finding, description=form.cleaned_data["description"]
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("The evidence is attached."))
            return redirect("archives:finding", finding_id=finding.pk)
    return render(request, "archives/evidence_form.html", {"form": form, "finding": finding, "archive": finding.archive})


@require_http_methods(["GET", "POST"])
@staff_view
def finding_sign(request: HttpRequest, finding_id: int) -> HttpResponse:
    """Check your answers, then sign (电子盖章): signing cannot be taken back."""
    finding = selectors.get_finding_for_view(request.user, finding_id)
    _require(selectors.can_act_on(request.user, finding.archive, role=REVIEWER))
    if request.method == "POST":
        try:
            services.sign_finding(finding, by=request.user)
        except TransitionNotAllowed as exc:
            return _transition_refused(request, exc, reverse("archives:finding", args=[finding.pk]))
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return redirect("archives:finding", finding_id=finding.pk)
        return redirect("archives:finding_signed", finding_id=finding.pk)
    if finding.state != AnnualFinding.State.DRAFT:
        return redirect("archives:finding", finding_id=finding.pk)
    return render(request, "archives/finding_sign.html",
                  {"finding": finding, "archive": finding.archive, "evidence": list(finding.evidence.all()),
                   "is_author": request.user.pk == finding.created_by_id})


@require_GET
@staff_view
def finding_signed(request: HttpRequest, finding_id: int) -> HttpResponse:
    finding = selectors.get_finding_for_view(request.user, finding_id)
    if finding.state != AnnualFinding.State.SIGNED:
        return redirect("archives:finding", finding_id=finding.pk)
    reference = f"ND{finding.year}-{finding.archive_id:06d}-{finding.version}"
    return render(request, "archives/finding_signed.html",
                  {"finding": finding, "archive": finding.archive, "reference": reference})
