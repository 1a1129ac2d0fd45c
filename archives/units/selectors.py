"""Reads of units and their serious dishonesty, with who sees what: the credit office
sees every unit, department staff the units their departments keep (DESIGN §6). Views
never query the models themselves."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db.models import Count, Exists, OuterRef, Q, QuerySet

from archives.models import Archive, CreditRecord, RecordChange, Subject
from archives.units.models import Unit, UnitDishonesty
from credit_portal.exceptions import NotFound
from departments.models import Department
from departments.scope import department_ids, is_credit_office

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from credit_portal.models import User

    Viewer = User | AnonymousUser | None

# The category a unit's serious dishonesty is recorded under (000 §二（二）「所在企业是否因
# 严重失信行为受到行政处罚」; 003 §三（一）2), shipped in departments/catalogue_data.py.
UNIT_DISHONESTY_CATEGORY = "unit-serious-dishonesty"


def units_visible_to(user: Viewer) -> QuerySet[Unit]:
    """Units in ``user``'s scope, with what the list shows joined and counted (the
    number of the unit's dishonesty whose record is in force)."""
    in_force = Exists(
        CreditRecord.objects.filter(
            lineage=OuterRef("dishonesty__lineage"),
            is_current=True,
            state=CreditRecord.State.PUBLISHED,
        )
    )
    qs = (
        Unit.objects.select_related("department", "representative")
        .annotate(
            dishonesty_count=Count("dishonesty", distinct=True),
            in_force_count=Count("dishonesty", filter=Q(in_force), distinct=True),
        )
        .order_by("name", "id")
    )
    if is_credit_office(user):
        return qs
    return qs.filter(department_id__in=department_ids(user))


def get_unit_for_view(user: Viewer, unit_id: object) -> Unit:
    try:
        return units_visible_to(user).select_related("representative_archive__occupation").get(pk=unit_id)
    except (Unit.DoesNotExist, ValueError, TypeError):
        raise NotFound("No such unit.") from None


@dataclass
class DishonestyRow:
    item: UnitDishonesty
    record: CreditRecord  # the version in force (or the last one)
    pending: RecordChange | None


def dishonesty_of(unit: Unit) -> list[DishonestyRow]:
    """The unit's serious dishonesty, newest first, each with its record's current
    version and the change awaiting approval: three queries whatever their number."""
    items = list(UnitDishonesty.objects.filter(unit=unit).select_related("unit", "proposed_by"))
    current = {
        r.lineage: r
        for r in CreditRecord.objects.filter(lineage__in=[i.lineage for i in items], is_current=True).select_related(
            "archive", "category"
        )
    }
    pending = {
        c.record_id: c
        for c in RecordChange.objects.filter(
            record__in=list(current.values()),
            state=RecordChange.State.PENDING,
        ).select_related("proposed_by")
    }
    rows = []
    for item in items:
        record = current.get(item.lineage)
        if record is None:  # not expected: a lineage always has a current version
            continue
        rows.append(DishonestyRow(item, record, pending.get(record.pk)))
    return rows


def get_dishonesty_for_action(user: Viewer, item_id: object) -> DishonestyRow:
    """One of the unit's dishonesty in ``user``'s scope with its current record (404 otherwise)."""
    try:
        item = UnitDishonesty.objects.select_related("unit").get(
            pk=item_id,
            unit__in=units_visible_to(user).values("id"),
        )
    except (UnitDishonesty.DoesNotExist, ValueError, TypeError):
        raise NotFound("No such unit dishonesty.") from None
    record = CreditRecord.objects.select_related(
        "archive__subject",
        "archive__department",
        "archive__occupation",
    ).get(lineage=item.lineage, is_current=True)
    pending = RecordChange.objects.filter(record=record, state=RecordChange.State.PENDING).first()
    return DishonestyRow(item, record, pending)


def units_represented_by(user: Viewer, subject: Subject) -> list[Unit]:
    """The units in ``user``'s scope whose legal representative ``subject`` is (the
    archive page shows the link the other way)."""
    return list(units_visible_to(user).filter(representative=subject))


def unit_of_record(user: Viewer, record: CreditRecord) -> Unit | None:
    """The unit whose dishonesty created ``record`` (any version), when in ``user``'s scope."""
    if record.source != CreditRecord.Source.UNIT_DISHONESTY:
        return None
    return units_visible_to(user).filter(dishonesty__lineage=record.lineage).first()


def departments_for_registration(ids: frozenset[int]) -> QuerySet[Department]:
    return Department.objects.filter(pk__in=ids).order_by("sort_order", "name")


def representative_archive(subject: Subject, department: Department) -> Archive | None:
    """The representative's open archive kept by ``department`` in an occupation that holds
    the category of a unit's serious dishonesty (it is where the unit's dishonesty goes)."""
    return (
        Archive.objects.filter(
            subject=subject,
            department=department,
            state=Archive.State.OPEN,
            occupation__occupationcategory__category__code=UNIT_DISHONESTY_CATEGORY,
        )
        .select_related("occupation")
        .order_by("id")
        .first()
    )
