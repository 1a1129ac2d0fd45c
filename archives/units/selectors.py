"""Reads of units, their responsible persons and their serious dishonesty, with who sees
what: the credit office sees every unit, department staff the units their departments
keep (DESIGN §6). Views never query the models themselves."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet

from archives import selectors as archive_selectors
from archives.models import Archive, CreditRecord, RecordChange, Subject
from archives.units.models import Unit, UnitDishonesty, UnitDishonestyRecord, UnitPerson
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


def _current_people() -> Prefetch:
    return Prefetch(
        "people",
        queryset=UnitPerson.objects.filter(ended_at__isnull=True).select_related("subject").order_by("id"),
        to_attr="current_people",
    )


def sort_people(people: Iterable[UnitPerson]) -> list[UnitPerson]:
    """Legal representative, principal, then the directly responsible persons; current first."""
    return sorted(people, key=lambda p: (p.ended_at is not None, p.role_rank, p.pk))


def units_visible_to(user: Viewer) -> QuerySet[Unit]:
    """Units in ``user``'s scope, with what the list shows: the keeping department, the
    current responsible persons (one prefetch) and the number of the unit's dishonesty
    with a record in force."""
    in_force = Exists(
        CreditRecord.objects.filter(
            lineage=OuterRef("dishonesty__records__lineage"),
            is_current=True,
            state=CreditRecord.State.PUBLISHED,
        )
    )
    qs = (
        Unit.objects.select_related("department")
        .prefetch_related(_current_people())
        .annotate(
            dishonesty_count=Count("dishonesty", distinct=True),
            in_force_count=Count("dishonesty", filter=Q(in_force), distinct=True),
        )
        .order_by("name", "id")
    )
    if is_credit_office(user):
        return qs
    return qs.filter(department_id__in=department_ids(user))


def _unit_in_scope(user: Viewer) -> QuerySet[Unit]:
    qs = Unit.objects.all()
    if is_credit_office(user):
        return qs
    return qs.filter(department_id__in=department_ids(user))


def get_unit_for_view(user: Viewer, unit_id: object) -> Unit:
    """One unit in ``user``'s scope (404 otherwise), with its department."""
    try:
        return _unit_in_scope(user).select_related("department").get(pk=unit_id)
    except (Unit.DoesNotExist, ValueError, TypeError):
        raise NotFound("No such unit.") from None


def people_of(unit: Unit, *, current_only: bool = False) -> list[UnitPerson]:
    """The unit's responsible persons with their archive's occupation, current ones first
    in role order, then the former ones (who keep the records written while they held
    the role)."""
    qs = UnitPerson.objects.filter(unit=unit).select_related("subject", "archive__occupation", "unit")
    if current_only:
        qs = qs.filter(ended_at__isnull=True)
    return sort_people(qs)


def current_person(unit: Unit, role: str) -> UnitPerson | None:
    return UnitPerson.objects.filter(unit=unit, role=role, ended_at__isnull=True).select_related("subject").first()


def get_person_for_action(user: Viewer, person_id: object) -> UnitPerson:
    try:
        return UnitPerson.objects.select_related("unit", "subject").get(
            pk=person_id, unit__in=_unit_in_scope(user).values("id")
        )
    except (UnitPerson.DoesNotExist, ValueError, TypeError):
        raise NotFound("No such responsible person.") from None


@dataclass
class PersonRecord:
    link: UnitDishonestyRecord  # with its person (the link of the time) and subject
    record: CreditRecord  # the version in force (or the last one)
    pending: RecordChange | None


@dataclass
class DishonestyRow:
    item: UnitDishonesty
    records: list[PersonRecord] = field(default_factory=list)

    @property
    def current_records(self) -> list[CreditRecord]:
        return [r.record for r in self.records]

    @property
    def pending_changes(self) -> list[RecordChange]:
        return [r.pending for r in self.records if r.pending is not None]

    @property
    def states(self) -> set[str]:
        return {r.record.state for r in self.records}

    @property
    def state_record(self) -> CreditRecord | None:
        """A record whose state stands for all (they move together; the first one)."""
        return self.records[0].record if self.records else None


def _rows(items: list[UnitDishonesty]) -> list[DishonestyRow]:
    links = list(
        UnitDishonestyRecord.objects.filter(item__in=items)
        .select_related("person__subject")
        .order_by("item_id", "id")
    )
    current = {
        r.lineage: r
        for r in CreditRecord.objects.filter(lineage__in=[x.lineage for x in links], is_current=True).select_related(
            "archive__subject", "archive__department", "archive__occupation", "category"
        )
    }
    pending = {
        c.record_id: c
        for c in RecordChange.objects.filter(
            record__in=list(current.values()), state=RecordChange.State.PENDING
        ).select_related("proposed_by")
    }
    rows = {item.pk: DishonestyRow(item) for item in items}
    for link in links:
        record = current.get(link.lineage)
        if record is None:  # not expected: a lineage always has a current version
            continue
        rows[link.item_id].records.append(PersonRecord(link, record, pending.get(record.pk)))
    for row in rows.values():
        row.records.sort(key=lambda r: (r.link.person.role_rank, r.link.pk))
    return list(rows.values())


def dishonesty_of(unit: Unit) -> list[DishonestyRow]:
    """The unit's serious dishonesty, newest first, each with its records' current
    versions (one per named person) and the changes awaiting approval: four queries
    whatever their number."""
    return _rows(list(UnitDishonesty.objects.filter(unit=unit).select_related("unit", "proposed_by")))


def get_dishonesty_for_action(user: Viewer, item_id: object) -> DishonestyRow:
    """One of the unit's dishonesty in ``user``'s scope with its current records (404 otherwise)."""
    try:
        item = UnitDishonesty.objects.select_related("unit").get(
            pk=item_id,
            unit__in=_unit_in_scope(user).values("id"),
        )
    except (UnitDishonesty.DoesNotExist, ValueError, TypeError):
        raise NotFound("No such unit dishonesty.") from None
    return _rows([item])[0]


def holds_unit_roles() -> Exists:
    """An archive annotation: whether its subject holds or held any role in any unit. Read
    with the archive (``archives.selectors.get_archive_for_view(extra=...)``) so the archive
    page skips ``unit_roles_of`` for the people who never did (nearly everyone), and never
    misses one who does: it is evaluated with the row, not cached."""
    return Exists(UnitPerson.objects.filter(subject_id=OuterRef("subject_id")))


def unit_roles_of(user: Viewer, subject: Subject) -> list[UnitPerson]:
    """The roles ``subject`` holds or held in units in ``user``'s scope (the archive page
    shows the link back to the unit and the role)."""
    return sort_people(
        UnitPerson.objects.filter(subject=subject, unit__in=_unit_in_scope(user).values("id")).select_related("unit")
    )


def unit_link_of_record(user: Viewer, record: CreditRecord) -> UnitDishonestyRecord | None:
    """The unit's dishonesty that wrote ``record`` (any version), with the unit and the
    role the person held, when the unit is in ``user``'s scope."""
    if record.source != CreditRecord.Source.UNIT_DISHONESTY:
        return None
    return (
        UnitDishonestyRecord.objects.filter(lineage=record.lineage, item__unit__in=_unit_in_scope(user).values("id"))
        .select_related("item__unit", "person")
        .first()
    )


def archives_seen_by(user: Viewer, people: Iterable[UnitPerson]) -> set[int]:
    """Which of the persons' archives ``user`` may open (the archives' own scope,
    ``archives.selectors.archives_visible_to``), in one query whatever their number."""
    ids = {p.archive_id for p in people}
    if not ids:
        return set()
    return set(archive_selectors.archives_visible_to(user).filter(pk__in=ids).values_list("pk", flat=True))


def departments_for_registration(ids: frozenset[int]) -> QuerySet[Department]:
    return Department.objects.filter(pk__in=ids).order_by("sort_order", "name")


def person_archive(subject: Subject, department: Department) -> Archive | None:
    """The person's open archive kept by ``department`` in an occupation that holds the
    category of a unit's serious dishonesty (it is where the unit's dishonesty goes)."""
    return (
        Archive.objects.filter(
            subject=subject,
            department=department,
            state=Archive.State.OPEN,
            occupation__occupationcategory__category__code=UNIT_DISHONESTY_CATEGORY,
        )
        .select_related("occupation", "subject")
        .order_by("id")
        .first()
    )
