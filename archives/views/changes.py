"""Proposals to change a published record (four eyes): propose a correction or a
withdrawal, read the proposal, add evidence, approve, reject, cancel."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from archives import forms, permissions, selectors, services
from archives.models import CreditRecord, RecordChange
from archives.services.changes import changes_as_fields
from archives.views.base import display_ended, refused, require, staff_view, submit
from credit_portal.exceptions import TransitionNotAllowed

if TYPE_CHECKING:
    from credit_portal.models import User


def _open_proposal(request: HttpRequest, record_id: int) -> tuple[CreditRecord, HttpResponse | None]:
    record = selectors.get_record_for_view(request.user, record_id, request=request)
    pending = selectors.pending_change(record) if record.is_current else None
    if pending is not None:
        messages.error(request, _("A change to this record is already awaiting approval."))
        return record, redirect("archives:change", change_id=pending.pk)
    require(permissions.can_propose_change(request.user, record))
    return record, None


@require_http_methods(["GET", "POST"])
@staff_view
def record_correct(request: HttpRequest, record_id: int) -> HttpResponse:
    """Propose a correction; another reviewer of the department approves it."""
    record, early = _open_proposal(request, record_id)
    if early is not None:
        return early
    form = forms.CorrectionForm(
        request.POST or None, initial=forms.RecordForm.initial_for(record),
        categories=services.categories_for(record.archive),
    )
    done = submit(
        request, form, lambda data: services.propose_correction(
            record, by=request.user, reason=data["reason"], **form.service_data()
        ),
        done=_("The correction is proposed. Another reviewer of the department approves it."),
        to=lambda change: reverse("archives:change", args=[change.pk]), back=reverse("archives:record", args=[record.pk]),
    )
    return done or render(request, "archives/record_form.html",
                  {"archive": record.archive, "form": form, "record": record, "correcting": True})


@require_http_methods(["GET", "POST"])
@staff_view
def record_withdraw(request: HttpRequest, record_id: int) -> HttpResponse:
    """Propose a withdrawal; another reviewer of the department approves it."""
    record, early = _open_proposal(request, record_id)
    if early is not None:
        return early
    form = forms.ReasonForm(request.POST or None)
    done = submit(
        request, form, lambda data: services.propose_withdrawal(record, reason=data["reason"], by=request.user),
        done=_("The withdrawal is proposed. Another reviewer of the department approves it."),
        to=lambda change: reverse("archives:change", args=[change.pk]), back=reverse("archives:record", args=[record.pk]),
    )
    return done or render(request, "archives/record_reason.html",
                  {"form": form, "record": record, "archive": record.archive, "action": "withdraw"})


@require_GET
@staff_view
def change_detail(request: HttpRequest, change_id: int) -> HttpResponse:
    """The proposal side by side with the current version: what changes, why, who
    proposed it, the evidence, and the decision buttons the user may use."""
    change = selectors.get_change_for_view(request.user, change_id, request=request)
    record = change.record
    proposed = changes_as_fields(change)
    rows = [
        {"label": record._meta.get_field(name).verbose_name, "before": _shown(record, name),
         "after": _shown_value(record, name, value)}
        for name, value in proposed.items()
    ]
    return render(request, "archives/change.html", {
        "change": change, "record": record, "archive": record.archive, "rows": rows,
        "evidence": list(change.evidence.all()), "can": permissions.change_actions(request.user, change),
        "reject_form": forms.ReasonForm(),
    })


def _shown(record: CreditRecord, name: str) -> object:
    display = getattr(record, f"get_{name}_display", None)
    value = getattr(record, name)
    if display is not None and value:
        return display()
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    return value if value not in (None, "") else "—"


def _shown_value(record: CreditRecord, name: str, value: object) -> object:
    field = record._meta.get_field(name)
    if field.choices and value:
        return dict(field.flatchoices).get(value, value)
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    return value if value not in (None, "") else "—"


def _decide(
    request: HttpRequest, change_id: int, allowed: Callable[[User, RecordChange], bool],
    act: Callable[[RecordChange], CreditRecord | RecordChange], done: Callable[[RecordChange, Any], tuple[str, str]],
) -> HttpResponse:
    """A decision on a proposal (approve, reject, cancel): the predicate — a decided
    proposal is open to anyone who sees it, so the service gives the state refusal —,
    the service, a refusal as a message on the proposal's page, else ``done``'s message
    and page."""
    change = selectors.get_change_for_view(request.user, change_id, request=request)
    require(allowed(request.user, change) or not change.is_pending)
    try:
        result = act(change)
    except (TransitionNotAllowed, ValidationError) as exc:
        return refused(request, exc, reverse("archives:change", args=[change.pk]))
    message, to = done(change, result)
    messages.success(request, message)
    return redirect(to)


@require_POST
@staff_view
def change_approve(request: HttpRequest, change_id: int) -> HttpResponse:
    def done(change: RecordChange, record: CreditRecord) -> tuple[str, str]:
        if change.kind == RecordChange.Kind.WITHDRAWAL:
            message = _("The record is withdrawn; it stays in the history.")
        else:
            message = _("The record is corrected; the previous version is kept in its history.")
            if ended := display_ended(record):
                message = f"{message} {ended}"
        return message, reverse("archives:record", args=[record.pk])

    return _decide(
        request, change_id, permissions.can_approve_change,
        lambda change: services.approve_change(change, by=request.user), done,
    )


@require_POST
@staff_view
def change_reject(request: HttpRequest, change_id: int) -> HttpResponse:
    form = forms.ReasonForm(request.POST)

    def act(change: RecordChange) -> RecordChange:
        if not form.is_valid():
            raise ValidationError(_("Say why the change is not approved."))
        return services.reject_change(change, by=request.user, reason=form.cleaned_data["reason"])

    return _decide(
        request, change_id, permissions.can_reject_change, act,
        lambda change, _result: (
            _("The proposal is not approved; the record stays as it was."),
            reverse("archives:change", args=[change.pk]),
        ),
    )


@require_POST
@staff_view
def change_cancel(request: HttpRequest, change_id: int) -> HttpResponse:
    return _decide(
        request, change_id, permissions.can_cancel_change,
        lambda change: services.cancel_change(change, by=request.user),
        lambda change, _result: (_("The proposal is cancelled."), reverse("archives:record", args=[change.record_id])),
    )


@require_http_methods(["GET", "POST"])
@staff_view
def change_evidence(request: HttpRequest, change_id: int) -> HttpResponse:
    change = selectors.get_change_for_view(request.user, change_id, request=request)
    require(permissions.can_add_change_evidence(request.user, change))
    form = forms.EvidenceForm(request.POST or None, request.FILES or None)
    done = submit(
        request, form, lambda data: services.attach_evidence(
            data["file"], by=request.user, change=change, description=data["description"]
        ),
        done=_("The evidence is attached."),
        to=reverse("archives:change", args=[change.pk]),
    )
    return done or render(request, "archives/evidence_form.html",
                  {"form": form, "change": change, "record": change.record, "archive": change.record.archive})
