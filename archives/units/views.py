"""Staff pages of units and their legal representatives, under /staff/units/ (namespace
``units``): thin — a selector reads, a form checks the shape, a service decides, the page
shows what the predicates allow."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.forms import Form
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from archives.units import forms, permissions, selectors, services
from archives.units.models import Unit
from archives.units.selectors import DishonestyRow
from archives.views.base import act, display_ended, require, staff_view, submit

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
    done = submit(
        request, form, lambda data: services.register_unit(
            by=request.user, department=data["department"], credit_code=data["credit_code"], name=data["name"],
            representative_id_number=data["representative"],
        ),
        done=_("The unit is registered with its legal representative."),
        to=lambda unit: reverse("units:unit", args=[unit.pk]),
    )
    return done or render(request, "units/unit_form.html", {"form": form})


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
    done = submit(
        request, form, lambda data: services.assign_person(
            unit, by=request.user, role=data["role"], id_number=data["id_number"]
        ),
        done=_("The unit's responsible persons are changed."), to=reverse("units:people", args=[unit.pk]),
    )
    return done or render(
        request, "units/people.html", {"unit": unit, "people": _people(request, unit), "form": form},
        status=400 if request.method == "POST" else 200,
    )


@require_POST
@staff_view
def person_end(request: HttpRequest, person_id: int) -> HttpResponse:
    person = selectors.get_person_for_action(request.user, person_id)
    require(permissions.can_change_people(request.user, person.unit))
    return act(
        request, lambda: services.end_person(person, by=request.user),
        done=_("The person no longer holds the role; the records already written stay in their archive."),
        to=reverse("units:people", args=[person.unit_id]),
    )


@require_http_methods(["GET", "POST"])
@staff_view
def dishonesty_propose(request: HttpRequest, unit_id: int) -> HttpResponse:
    unit = selectors.get_unit_for_view(request.user, unit_id)
    require(permissions.can_record_dishonesty(request.user, unit))
    people = selectors.people_of(unit)
    form = forms.DishonestyForm(
        request.POST or None, request.FILES or None, people=people, default=services.default_people(people)
    )
    here = reverse("units:unit", args=[unit.pk])
    done = submit(
        request, form, lambda data: services.propose_dishonesty(
            unit, by=request.user, evidence=data["file"], people=data["people"],
            **{k: v for k, v in data.items() if k not in {"file", "people"}},
        ),
        done=_("The unit's dishonesty is submitted: another reviewer of the department approves it."),
        to=here, back=here,
    )
    return done or render(request, "units/dishonesty_form.html", {"unit": unit, "form": form})


def _item_step(
    request: HttpRequest, row: DishonestyRow, form_class: type[Form], form_name: str,
    act: Callable[[dict[str, Any]], object], done: str,
) -> HttpResponse:
    """A step on one item of the unit's page (decide, propose withdrawal): the form, the
    service; back to the unit's page when it went through or was refused, the page again
    (400) with this item's form and its errors otherwise. The caller asked the predicate."""
    form = form_class(request.POST, auto_id=f"id_{row.item.pk}_%s")
    here = reverse("units:unit", args=[row.item.unit_id])
    response = submit(request, form, act, done=done, to=here, back=here)
    return response or _detail(request, row.item.unit_id, status=400, item_id=row.item.pk, **{form_name: form})


@require_POST
@staff_view
def dishonesty_decide(request: HttpRequest, item_id: int) -> HttpResponse:
    row = selectors.get_dishonesty_for_action(request.user, item_id)
    require(permissions.can_return_dishonesty(request.user, row))

    ended: list[str] = []

    def decide(data: dict[str, Any]) -> object:
        try:
            if data["decision"] == "approve":
                records = services.approve_dishonesty(row.item, by=request.user)
                ended.extend(filter(None, map(display_ended, records)))
                return records
            return services.return_dishonesty(row.item, by=request.user, reason=data["reason"])
        except PermissionDenied as exc:
            # A reviewer who may return it may still not approve their own proposal: the
            # service says so, and the page shows it on the form rather than as a 403.
            raise ValidationError(str(exc) or _("You may not decide this.")) from exc

    approving = request.POST.get("decision") == "approve"
    response = _item_step(
        request, row, forms.DecisionForm, "decision_form", decide,
        _("Approved: the records are published in the named persons' archives.")
        if approving else _("Returned to the clerk."),
    )
    if ended:  # the records of one decision share its date: told once, after "approved"
        messages.info(request, ended[0])
    return response


@require_POST
@staff_view
def dishonesty_withdraw(request: HttpRequest, item_id: int) -> HttpResponse:
    row = selectors.get_dishonesty_for_action(request.user, item_id)
    require(permissions.can_propose_withdrawal(request.user, row))
    return _item_step(
        request, row, forms.WithdrawalForm, "withdrawal_form",
        lambda data: services.propose_withdrawal(row.item, by=request.user, reason=data["reason"]),
        _("The withdrawal is proposed: another reviewer of the department approves it."),
    )


@require_POST
@staff_view
def withdrawal_approve(request: HttpRequest, item_id: int) -> HttpResponse:
    row = selectors.get_dishonesty_for_action(request.user, item_id)
    require(permissions.can_approve_withdrawal(request.user, row))
    return act(
        request, lambda: services.approve_withdrawal(row.item, by=request.user),
        done=_("Withdrawn: the records in the named persons' archives are withdrawn too."),
        to=reverse("units:unit", args=[row.item.unit_id]),
    )
