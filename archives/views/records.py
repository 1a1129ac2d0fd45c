"""Record pages before and at publication: enter, read, change a draft, submit, delete
a draft, review (check your answers), publish, return."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from archives import forms, permissions, selectors, services
from archives.models import CreditRecord
from archives.units import selectors as unit_selectors
from archives.views.base import confirm_delete, display_ended, refused, require, staff_view, submit
from archives.views.presenters import history_rows, record_flags, reference, replacing_version, shown_until
from credit_portal.exceptions import TransitionNotAllowed

State = CreditRecord.State


@require_http_methods(["GET", "POST"])
@staff_view
def record_new(request: HttpRequest, archive_id: int) -> HttpResponse:
    archive = selectors.get_archive_for_view(request.user, archive_id, request=request)
    require(permissions.can_enter_record(request.user, archive))
    form = forms.RecordForm(request.POST or None, categories=services.categories_for(archive))
    done = submit(
        request, form, lambda data: services.draft_record(archive, by=request.user, **form.service_data()),
        done=_("The draft is saved. Add evidence, then submit it for review."),
        to=lambda record: reverse("archives:record", args=[record.pk]), back=reverse("archives:archive", args=[archive.pk]),
    )
    return done or render(request, "archives/record_form.html", {"archive": archive, "form": form, "record": None})


@require_GET
@staff_view
def record_detail(request: HttpRequest, record_id: int) -> HttpResponse:
    record = selectors.get_record_for_view(request.user, record_id, request=request)
    versions = list(selectors.record_history(record))
    pending = selectors.pending_change(record) if record.is_current else None
    return render(
        request, "archives/record.html",
        {
            "record": record, "archive": record.archive, "versions": versions,
            "history": history_rows(versions) if len(versions) > 1 else None,
            "flags": record_flags(record), "shown_until": shown_until(record),
            "replaced_by": replacing_version(versions) if record.state == State.CORRECTED else None,
            "evidence": selectors.record_evidence(record),
            "pending": pending, "changes": selectors.record_changes(record),
            "can": permissions.record_actions(request.user, record, pending=pending),
            "viewed_at": timezone.localtime(),
            # A unit's serious dishonesty written into this archive (003 §三（一）2): its unit
            # and the role the person held.
            "unit_link": unit_selectors.unit_link_of_record(request.user, record),
        },
    )


@require_http_methods(["GET", "POST"])
@staff_view
def record_edit(request: HttpRequest, record_id: int) -> HttpResponse:
    record = selectors.get_record_for_view(request.user, record_id, request=request)
    if not record.is_editable:
        messages.error(request, _("Only drafts and returned records can be edited; a published record is changed by proposal."))
        return redirect("archives:record", record_id=record.pk)
    require(permissions.can_edit_record(request.user, record))
    form = forms.RecordForm(
        request.POST or None, initial=forms.RecordForm.initial_for(record),
        categories=services.categories_for(record.archive),
    )
    done = submit(
        request, form, lambda data: services.edit_record(record, by=request.user, **form.service_data()),
        done=_("The record is saved."),
        to=(here := reverse("archives:record", args=[record.pk])), back=here,
    )
    return done or render(request, "archives/record_form.html", {"archive": record.archive, "form": form, "record": record})


@require_POST
@staff_view
def record_submit(request: HttpRequest, record_id: int) -> HttpResponse:
    record = selectors.get_record_for_view(request.user, record_id, request=request)
    here = reverse("archives:record", args=[record.pk])
    if record.is_editable:
        require(permissions.can_submit_record(request.user, record))
    try:
        services.submit_record(record, by=request.user)
    except (TransitionNotAllowed, ValidationError) as exc:
        return refused(request, exc, here)
    message = _("The record is sent for review.")
    if record.is_negative:
        message += " " + _("The person has been told before publication, as the law requires.")
    messages.success(request, message)
    return redirect(here)


@require_http_methods(["GET", "POST"])
@staff_view
def record_delete(request: HttpRequest, record_id: int) -> HttpResponse:
    """Delete a draft or returned record that was never published (confirm first)."""
    record = selectors.get_record_for_view(request.user, record_id, request=request)
    require(permissions.can_delete_draft(request.user, record))
    return confirm_delete(
        request, record, "record", lambda: services.delete_draft(record, by=request.user), _("The draft is deleted.")
    )


@require_GET
@staff_view
def record_review(request: HttpRequest, record_id: int) -> HttpResponse:
    """Check your answers before publishing: the reviewer sees everything that will be
    published, the evidence and whether the person was told."""
    record = selectors.get_record_for_view(request.user, record_id, request=request)
    if record.state != State.SUBMITTED:
        messages.error(request, _("Only records awaiting review can be published."))
        return redirect("archives:record", record_id=record.pk)
    require(permissions.can_return_record(request.user, record))
    return render(
        request, "archives/record_review.html",
        {"record": record, "archive": record.archive, "evidence": selectors.record_evidence(record),
         "notified": selectors.subject_was_told(record), "can": permissions.record_actions(request.user, record),
         "display_until": services.display_until_for(record)},
    )


@require_POST
@staff_view
def record_publish(request: HttpRequest, record_id: int) -> HttpResponse:
    record = selectors.get_record_for_view(request.user, record_id, request=request)
    if permissions.publishes_on_unit_page(record):
        message = _(
            "This record is part of a unit's serious dishonesty: another reviewer approves it on the unit's page, "
            "together with the records of the other persons named."
        )
        return refused(request, TransitionNotAllowed(message), reverse("archives:record", args=[record.pk]))
    try:
        published = services.publish_record(record, by=request.user)
    except (TransitionNotAllowed, ValidationError) as exc:
        back = "archives:record_review" if record.state == State.SUBMITTED else "archives:record"
        return refused(request, exc, reverse(back, args=[record.pk]))
    if ended := display_ended(published):
        messages.info(request, f"{_('Published.')} {ended}")
        return redirect("archives:record", record_id=record.pk)
    return redirect("archives:record_published", record_id=record.pk)


@require_GET
@staff_view
def record_published(request: HttpRequest, record_id: int) -> HttpResponse:
    record = selectors.get_record_for_view(request.user, record_id, request=request)
    if record.state != State.PUBLISHED:
        return redirect("archives:record", record_id=record.pk)
    return render(request, "archives/record_published.html",
                  {"record": record, "archive": record.archive, "reference": reference(record)})


@require_http_methods(["GET", "POST"])
@staff_view
def record_return(request: HttpRequest, record_id: int) -> HttpResponse:
    record = selectors.get_record_for_view(request.user, record_id, request=request)
    if record.state != State.SUBMITTED:
        messages.error(request, _("Only records awaiting review can be returned."))
        return redirect("archives:record", record_id=record.pk)
    require(permissions.can_return_record(request.user, record))
    form = forms.ReasonForm(request.POST or None)
    done = submit(
        request, form, lambda data: services.return_record(record, reason=data["reason"], by=request.user),
        done=_("The record is returned to the clerk."),
        to=reverse("archives:review_queue"), back=reverse("archives:record", args=[record.pk]),
    )
    return done or render(request, "archives/record_reason.html",
                  {"form": form, "record": record, "archive": record.archive, "action": "return"})
