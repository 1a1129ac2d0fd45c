"""Finding and registering people, the person page and its edit form."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from archives import forms, permissions, selectors, services
from archives.views.base import add_errors, require, staff_view, submit
from archives.views.presenters import name_search_rows
from credit_portal import audit


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
            if selectors.subject_in_scope(request.user, subject):
                return redirect("archives:subject", subject_id=subject.pk)  # type: ignore[union-attr]
            # Not kept by this department (or by no one): the same answer either way,
            # with the offer to register the person (DESIGN §6).
            context["not_found"] = True
            if permissions.can_register_person(request.user):
                context["register_form"] = forms.RegisterPersonForm(
                    initial={"id_number": id_form.cleaned_data["id_number"]},
                    department_ids=permissions.departments_for_new_archives(request.user),
                )
    elif request.method == "POST" and request.POST.get("search") == "name":
        name_form = forms.FindByNameForm(request.POST, prefix="name")
        if name_form.is_valid():
            found = selectors.search_archives_by_name(request.user, name_form.cleaned_data["name"])
            audit.record_read("archives.subject.searched", actor=request.user,
                         detail={"by": "name", "results": len(found)}, request=request)
            context["results"] = name_search_rows(found)
    context.update({"id_form": id_form, "name_form": name_form})
    return render(request, "archives/find_subject.html", context)


@require_http_methods(["GET", "POST"])
@staff_view
def register_person(request: HttpRequest) -> HttpResponse:
    """Register a person (or find them by ID number, never twice) and open their
    archive with the user's department in one step."""
    require(permissions.can_register_person(request.user))
    form = forms.RegisterPersonForm(request.POST or None, department_ids=permissions.departments_for_new_archives(request.user))
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
            add_errors(form, exc)
        else:
            messages.success(request, _("The archive is open."))
            return redirect("archives:archive", archive_id=archive.pk)
    return render(request, "archives/register_person.html", {"form": form})


@require_GET
@staff_view
def subject_detail(request: HttpRequest, subject_id: str) -> HttpResponse:
    subject = selectors.get_subject_for_view(request.user, subject_id, request=request)
    return render(
        request, "archives/subject.html",
        {"subject": subject, "archives": selectors.subject_archives(request.user, subject),
         "can_open": permissions.can_open_archive(request.user), "viewed_at": timezone.localtime()},
    )


def _kept_phone(data: dict[str, Any]) -> dict[str, Any]:
    """The edit form's data without an empty phone: left empty, the phone on file stays as it is."""
    data = dict(data)
    if not data.get("phone"):
        data.pop("phone", None)
    return data


@require_http_methods(["GET", "POST"])
@staff_view
def subject_edit(request: HttpRequest, subject_id: str) -> HttpResponse:
    """Change the person's name, phone and other details. The phone is never shown here
    in full: the field starts empty and is changed only when something is typed (seeing
    it is the audited reveal step on the archive page)."""
    subject = selectors.get_subject_for_view(request.user, subject_id, request=request)
    require(permissions.can_edit_subject(request.user))
    initial = {"name": subject.name, "political_status": subject.political_status, "education": subject.education}
    form = forms.SubjectEditForm(request.POST or None, initial=initial)
    done = submit(
        request, form, lambda data: services.update_subject(subject, by=request.user, **_kept_phone(data)),
        done=_("The person's details are saved."), to=reverse("archives:subject", args=[subject.pk]),
    )
    return done or render(request, "archives/subject_edit.html",
                  {"subject": subject, "form": form, "has_phone": bool(subject.phone)})
