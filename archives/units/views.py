"""Staff pages of units and their legal representatives, under /staff/units/ (namespace
``units``): thin — a selector reads, a form checks the shape, a service decides, the page
shows what the predicates allow."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from archives.units import forms, permissions, selectors, services
from archives.units.models import Unit
from archives.views.base import add_errors, refused, require, staff_view
from credit_portal.exceptions import TransitionNotAllowed

PAGE_SIZE = 25


@require_GET
@staff_view
def unit_list(request: HttpRequest) -> HttpResponse:
    """The units the user's departments keep (every unit for the credit office)."""
    page = Paginator(selectors.units_visible_to(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request, "units/units.html", {"page": page, "can_register": permissions.can_register_unit(request.user)}
    )


@require_http_methods(["GET", "POST"])
@staff_view
def unit_register(request: HttpRequest) -> HttpResponse:
    require(permissions.can_register_unit(request.user))
    departments = selectors.departments_for_registration(permissions.departments_for_new_units(request.user))
    form = forms.UnitForm(request.POST or None, departments=departments)
    if request.method == "POST" and form.is_valid():
        try:
            unit = services.register_unit(
                by=request.user,
                department=form.cleaned_data["department"],
                credit_code=form.cleaned_data["credit_code"],
                name=form.cleaned_data["name"],
                representative_id_number=form.cleaned_data["representative"],
            )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, _("The unit is registered with its legal representative."))
            return redirect("units:unit", unit_id=unit.pk)
    return render(request, "units/unit_form.html", {"form": form})


def _detail(
    request: HttpRequest, unit_id: int, *, status: int = 200, item_id: int | None = None, **forms_: object
) -> HttpResponse:
    """The unit's page; ``forms_`` carry a refused form of item ``item_id`` back with its errors.
    Each item's forms have their own ids (several items on one page)."""
    unit = selectors.get_unit_for_view(request.user, unit_id)
    rows = []
    for row in selectors.dishonesty_of(unit):
        auto_id = f"id_{row.item.pk}_%s"
        mine = row.item.pk == item_id
        rows.append(
            {
                "row": row,
                "can": permissions.dishonesty_actions(request.user, row),
                "decision_form": forms_.get("decision_form")
                if mine and forms_.get("decision_form")
                else forms.DecisionForm(auto_id=auto_id),
                "withdrawal_form": forms_.get("withdrawal_form")
                if mine and forms_.get("withdrawal_form")
                else forms.WithdrawalForm(auto_id=auto_id),
            }
        )
    people = _people(request, unit)
    return render(
        request,
        "units/unit.html",
        {
            "unit": unit,
            "people": people,
            # The record links are shown to whoever may see the person's archive.
            "visible_archives": {entry["person"].archive_id for entry in people if entry["show_archive"]},
            "rows": rows,
            "can_record": permissions.can_record_dishonesty(request.user, unit),
            "can_change_people": permissions.can_change_people(request.user, unit),
            "error_form": next((f for f in forms_.values() if f is not None), None),
        },
        status=status,
    )


def _people(request: HttpRequest, unit: Unit) -> list[dict[str, object]]:
    people = selectors.people_of(unit)
    # The link to a person's archive is shown to whoever may see the archive.
    seen = selectors.archives_seen_by(request.user, people)
    return [
        {"person": p, "show_archive": p.archive_id in seen, "can_end": permissions.can_end_person(request.user, p)}
        for p in people
    ]


@require_GET
@staff_view
def unit_detail(request: HttpRequest, unit_id: int) -> HttpResponse:
    return _detail(request, unit_id)


@require_http_methods(["GET", "POST"])
@staff_view
def unit_people(request: HttpRequest, unit_id: int) -> HttpResponse:
    """Change the unit's legal representative and responsible persons (a clerk of the
    keeping department); the records already written stay where they are."""
    unit = selectors.get_unit_for_view(request.user, unit_id)
    require(permissions.can_change_people(request.user, unit))
    form = forms.PersonForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.assign_person(
                    unit, by=request.user, role=form.cleaned_data["role"], id_number=form.cleaned_data["id_number"]
                )
            except ValidationError as exc:
                add_errors(form, exc)
            else:
                messages.success(request, _("The unit's responsible persons are changed."))
                return redirect("units:people", unit_id=unit.pk)
        status = 400
    return render(
        request, "units/people.html", {"unit": unit, "people": _people(request, unit), "form": form}, status=status
    )


@require_POST
@staff_view
def person_end(request: HttpRequest, person_id: int) -> HttpResponse:
    person = selectors.get_person_for_action(request.user, person_id)
    require(permissions.can_change_people(request.user, person.unit))
    target = reverse("units:people", args=[person.unit_id])
    try:
        services.end_person(person, by=request.user)
    except TransitionNotAllowed as exc:
        return refused(request, exc, target)
    messages.success(request, _("The person no longer holds the role; the records already written stay in their archive."))
    return redirect(target)


@require_http_methods(["GET", "POST"])
@staff_view
def dishonesty_propose(request: HttpRequest, unit_id: int) -> HttpResponse:
    unit = selectors.get_unit_for_view(request.user, unit_id)
    require(permissions.can_record_dishonesty(request.user, unit))
    people = selectors.people_of(unit)
    form = forms.DishonestyForm(
        request.POST or None, request.FILES or None, people=people, default=services.default_people(people)
    )
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k not in {"file", "people"}}
        try:
            services.propose_dishonesty(
                unit, by=request.user, evidence=form.cleaned_data["file"], people=form.cleaned_data["people"], **data
            )
        except ValidationError as exc:
            add_errors(form, exc)
        except TransitionNotAllowed as exc:
            return refused(request, exc, reverse("units:unit", args=[unit.pk]))
        else:
            messages.success(
                request, _("The unit's dishonesty is submitted: another reviewer of the department approves it.")
            )
            return redirect("units:unit", unit_id=unit.pk)
    return render(request, "units/dishonesty_form.html", {"unit": unit, "form": form})


@require_POST
@staff_view
def dishonesty_decide(request: HttpRequest, item_id: int) -> HttpResponse:
    row = selectors.get_dishonesty_for_action(request.user, item_id)
    unit_id = row.item.unit_id
    require(permissions.can_return_dishonesty(request.user, row))
    form = forms.DecisionForm(request.POST, auto_id=f"id_{item_id}_%s")
    if form.is_valid():
        try:
            if form.cleaned_data["decision"] == "approve":
                services.approve_dishonesty(row.item, by=request.user)
                messages.success(request, _("Approved: the records are published in the named persons' archives."))
            else:
                services.return_dishonesty(row.item, by=request.user, reason=form.cleaned_data["reason"])
                messages.success(request, _("Returned to the clerk."))
        except PermissionDenied as exc:
            form.add_error(None, str(exc) or _("You may not decide this."))
        except ValidationError as exc:
            add_errors(form, exc)
        except TransitionNotAllowed as exc:
            return refused(request, exc, reverse("units:unit", args=[unit_id]))
        else:
            return redirect("units:unit", unit_id=unit_id)
    return _detail(request, unit_id, status=400, item_id=row.item.pk, decision_form=form)


@require_POST
@staff_view
def dishonesty_withdraw(request: HttpRequest, item_id: int) -> HttpResponse:
    row = selectors.get_dishonesty_for_action(request.user, item_id)
    unit_id = row.item.unit_id
    require(permissions.can_propose_withdrawal(request.user, row))
    form = forms.WithdrawalForm(request.POST, auto_id=f"id_{item_id}_%s")
    if form.is_valid():
        try:
            services.propose_withdrawal(row.item, by=request.user, reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            add_errors(form, exc)
        except TransitionNotAllowed as exc:
            return refused(request, exc, reverse("units:unit", args=[unit_id]))
        else:
            messages.success(request, _("The withdrawal is proposed: another reviewer of the department approves it."))
            return redirect("units:unit", unit_id=unit_id)
    return _detail(request, unit_id, status=400, item_id=row.item.pk, withdrawal_form=form)


@require_POST
@staff_view
def withdrawal_approve(request: HttpRequest, item_id: int) -> HttpResponse:
    row = selectors.get_dishonesty_for_action(request.user, item_id)
    require(permissions.can_approve_withdrawal(request.user, row))
    try:
        services.approve_withdrawal(row.item, by=request.user)
    except (TransitionNotAllowed, ValidationError) as exc:
        return refused(request, exc, reverse("units:unit", args=[row.item.unit_id]))
    messages.success(request, _("Withdrawn: the records in the named persons' archives are withdrawn too."))
    return redirect("units:unit", unit_id=row.item.unit_id)
