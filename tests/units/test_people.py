"""The unit's legal representative, principal person in charge and other directly
responsible persons (003 §三（一）2): who may change them, the same checks for each role,
the audit entry, and the records already written staying with the person who was
responsible when the conduct occurred."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from archives import services as archive_services
from archives.models import CreditRecord
from archives.units import services
from archives.units.models import UnitDishonestyRecord, UnitPerson
from credit_portal.exceptions import NotFound, TransitionNotAllowed
from credit_portal.models import AuditEntry
from tests import factories as f
from tests.units.conftest import adult_with_archive, propose

pytestmark = pytest.mark.django_db

Role = UnitPerson.Role


def _current(unit) -> dict[str, list[int]]:
    people: dict[str, list[int]] = {}
    for p in UnitPerson.objects.filter(unit=unit, ended_at__isnull=True).order_by("id"):
        people.setdefault(p.role, []).append(p.subject_id)
    return people


def test_the_principal_and_directly_responsible_persons_are_added_with_an_audit_entry(world_units, staffed_unit) -> None:
    unit, representative, principal, responsible = staffed_unit
    assert _current(unit) == {
        Role.LEGAL_REPRESENTATIVE: [representative.subject_id],
        Role.PRINCIPAL: [principal.subject_id],
        Role.DIRECTLY_RESPONSIBLE: [responsible.subject_id],
    }
    entry = AuditEntry.objects.get(action="units.person.assigned", object_id=str(principal.pk))
    assert entry.detail["role"] == Role.PRINCIPAL
    assert entry.subject_ref == str(principal.subject_id)
    assert entry.actor_id == world_units.edu_clerk.pk


def test_a_new_legal_representative_replaces_the_current_one_and_both_are_audited(world_units, unit) -> None:
    w = world_units
    successor = adult_with_archive(w, "测试丁", 43)
    old = UnitPerson.objects.get(unit=unit, role=Role.LEGAL_REPRESENTATIVE)
    new = services.assign_person(unit, by=w.edu_clerk, role=Role.LEGAL_REPRESENTATIVE, id_number=successor.subject.id_number)
    old.refresh_from_db()
    assert old.ended_at is not None
    assert old.ended_by == w.edu_clerk
    assert _current(unit) == {Role.LEGAL_REPRESENTATIVE: [successor.subject_id]}
    assert AuditEntry.objects.filter(action="units.person.ended", object_id=str(old.pk)).exists()
    assigned = AuditEntry.objects.get(action="units.person.assigned", object_id=str(new.pk))
    assert assigned.detail["replaced"] == old.pk


def test_records_already_written_stay_with_the_person_responsible_when_the_conduct_occurred(world_units, unit) -> None:
    w = world_units
    item = propose(unit, w.edu_clerk)
    services.approve_dishonesty(item, by=w.edu_reviewer)
    successor = adult_with_archive(w, "测试丁", 43)
    services.assign_person(unit, by=w.edu_clerk, role=Role.LEGAL_REPRESENTATIVE, id_number=successor.subject.id_number)
    # The earlier record is still in force in the former representative's archive, and
    # still linked to the role they held then.
    link = UnitDishonestyRecord.objects.get(item=item)
    record = CreditRecord.objects.get(lineage=link.lineage, is_current=True)
    assert record.archive == w.archive
    assert record.state == CreditRecord.State.PUBLISHED
    assert link.person.subject == w.subject
    assert link.person.ended_at is not None
    assert not CreditRecord.objects.filter(archive=successor, source=CreditRecord.Source.UNIT_DISHONESTY).exists()
    # A dishonesty recorded from now on goes by default to the new representative.
    later = propose(unit, w.edu_clerk)
    assert [r.record.archive for r in later.records.select_related("record")] == [successor]


def test_a_person_cannot_hold_the_same_role_twice(world_units, staffed_unit) -> None:
    unit, representative, principal, responsible = staffed_unit
    before = UnitPerson.objects.count()
    for role, person in (
        (Role.LEGAL_REPRESENTATIVE, representative),
        (Role.PRINCIPAL, principal),
        (Role.DIRECTLY_RESPONSIBLE, responsible),
    ):
        with pytest.raises(ValidationError) as exc:
            services.assign_person(unit, by=world_units.edu_clerk, role=role, id_number=person.subject.id_number)
        assert "already is the unit's" in exc.value.message_dict["id_number"][0]
    assert UnitPerson.objects.count() == before
    assert UnitPerson.objects.filter(ended_at__isnull=False).count() == 0


def test_a_minor_cannot_be_named_in_any_role(world_units, unit) -> None:
    w = world_units
    today = timezone.localdate()
    minor, _ = archive_services.find_or_create_subject(
        name="测试少年", id_number=f.make_id_number(birth=date(today.year - 16, 1, 10), seq=77), by=w.edu_clerk
    )
    for role in Role.values:
        with pytest.raises(ValidationError) as exc:
            services.assign_person(unit, by=w.edu_clerk, role=role, id_number=minor.id_number)
        assert "must be an adult" in exc.value.message_dict["id_number"][0]
    assert _current(unit) == {Role.LEGAL_REPRESENTATIVE: [w.subject.pk]}


def test_a_person_without_an_archive_or_unknown_or_a_bad_role_is_refused(world_units, unit) -> None:
    w = world_units
    person, _ = archive_services.find_or_create_subject(
        name="测试乙", id_number=f.make_id_number(birth=date(1975, 1, 1), seq=78), by=w.edu_clerk
    )
    with pytest.raises(ValidationError) as exc:
        services.assign_person(unit, by=w.edu_clerk, role=Role.PRINCIPAL, id_number=person.id_number)
    assert "principal person in charge has no open archive" in exc.value.message_dict["id_number"][0]
    with pytest.raises(ValidationError) as exc:
        services.assign_person(
            unit, by=w.edu_clerk, role=Role.PRINCIPAL, id_number=f.make_id_number(birth=date(1975, 1, 1), seq=79)
        )
    assert "Nobody with this ID number" in exc.value.message_dict["id_number"][0]
    with pytest.raises(ValidationError) as exc:
        services.assign_person(unit, by=w.edu_clerk, role="chairman", id_number=w.subject.id_number)
    assert "role" in exc.value.message_dict
    assert _current(unit) == {Role.LEGAL_REPRESENTATIVE: [w.subject.pk]}
    assert not AuditEntry.objects.filter(action="units.person.assigned").exclude(detail__role=Role.LEGAL_REPRESENTATIVE).exists()


def test_only_a_clerk_of_the_keeping_department_changes_the_persons(world_units, unit) -> None:
    w = world_units
    principal = adult_with_archive(w, "测试乙", 41)
    for user in (w.health_clerk, w.edu_reviewer, w.citizen, w.credit_office):
        with pytest.raises(PermissionDenied):
            services.assign_person(unit, by=user, role=Role.PRINCIPAL, id_number=principal.subject.id_number)
    assert _current(unit) == {Role.LEGAL_REPRESENTATIVE: [w.subject.pk]}
    link = UnitPerson.objects.get(unit=unit)
    with pytest.raises(PermissionDenied):
        services.end_person(link, by=w.health_clerk)


def test_a_responsible_person_leaves_the_role_but_the_legal_representative_is_only_replaced(
    world_units, staffed_unit
) -> None:
    unit, representative, principal, responsible = staffed_unit
    w = world_units
    with pytest.raises(TransitionNotAllowed, match="always has a legal representative"):
        services.end_person(representative, by=w.edu_clerk)
    ended = services.end_person(responsible, by=w.edu_clerk)
    assert ended.ended_at is not None
    assert AuditEntry.objects.filter(action="units.person.ended", object_id=str(responsible.pk)).exists()
    with pytest.raises(TransitionNotAllowed, match="no longer holds"):
        services.end_person(responsible, by=w.edu_clerk)
    assert _current(unit) == {Role.LEGAL_REPRESENTATIVE: [representative.subject_id], Role.PRINCIPAL: [principal.subject_id]}


def test_another_departments_clerk_does_not_find_the_person_link(world_units, unit) -> None:
    from archives.units import selectors

    link = UnitPerson.objects.get(unit=unit)
    with pytest.raises(NotFound):
        selectors.get_person_for_action(world_units.health_clerk, link.pk)


def test_the_conduct_date_decides_whether_the_person_was_a_minor(world_units, staffed_unit) -> None:
    """A person adult today who was 17 when the conduct occurred is refused for the whole
    dishonesty, and nothing is written for the others either."""
    unit, representative, principal, responsible = staffed_unit
    w = world_units
    today = timezone.localdate()
    # 18 a month ago; 17 at the conduct two months ago.
    young = adult_with_archive(w, "测试青年", 44, birth=date(today.year - 18, today.month, min(today.day, 28)) - timedelta(days=30))
    young_link = services.assign_person(
        unit, by=w.edu_clerk, role=Role.DIRECTLY_RESPONSIBLE, id_number=young.subject.id_number
    )
    with pytest.raises(ValidationError) as exc:
        propose(
            unit,
            w.edu_clerk,
            people=[representative.pk, principal.pk, young_link.pk],
            occurred_on=today - timedelta(days=60),
            decided_on=today - timedelta(days=30),
        )
    assert "other directly responsible person was under 18" in exc.value.message_dict["occurred_on"][0]
    assert not CreditRecord.objects.filter(source=CreditRecord.Source.UNIT_DISHONESTY).exists()
