"""Units and legal representatives (003 §三（一）2): a unit's serious
dishonesty reaches the representative's archive only through four eyes, and its
withdrawal withdraws the propagated record, again through four eyes."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from archives import services as archive_services
from archives.models import CreditRecord
from archives.units import services
from archives.units.models import Unit, UnitDishonesty, UnitPerson
from credit_portal.exceptions import NotFound
from credit_portal.models import AuditEntry
from exchange.models import OutboxEvent
from tests import factories as f
from tests.units.conftest import OTHER_CODE, UNIT_CODE, propose

pytestmark = pytest.mark.django_db


def _current(item: UnitDishonesty) -> CreditRecord:
    """The current version of the item's only record (the unit has its legal representative only)."""
    (link,) = item.records.all()
    return CreditRecord.objects.get(lineage=link.lineage, is_current=True)


def test_a_unit_is_registered_with_its_adult_representative_and_their_archive(world_units, unit) -> None:
    assert unit.credit_code == UNIT_CODE
    (person,) = unit.people.all()
    assert person.role == UnitPerson.Role.LEGAL_REPRESENTATIVE
    assert (person.subject, person.archive, person.ended_at) == (world_units.subject, world_units.archive, None)
    assert person.masked_name == "测*甲"
    assert AuditEntry.objects.filter(action="units.unit.registered", object_id=str(unit.pk)).exists()
    assert AuditEntry.objects.filter(action="units.person.assigned", object_id=str(person.pk)).exists()


def test_the_unit_dishonesty_is_proposed_as_a_submitted_record_of_the_representative(world_units, unit) -> None:
    item = propose(unit, world_units.edu_clerk)
    record = _current(item)
    assert record.archive == world_units.archive
    assert record.source == CreditRecord.Source.UNIT_DISHONESTY
    assert (record.unit_credit_code, record.unit_name) == (UNIT_CODE, unit.name)
    assert (record.polarity, record.severity, record.category.code) == (
        "negative",
        "serious",
        "unit-serious-dishonesty",
    )
    assert record.state == CreditRecord.State.SUBMITTED
    # Nothing is pushed or published before another reviewer approves.
    assert not OutboxEvent.objects.filter(event_type="record.published").exists()
    assert AuditEntry.objects.filter(action="units.dishonesty.proposed").exists()


def test_another_reviewer_approves_and_the_record_is_published_and_pushed(world_units, unit) -> None:
    item = propose(unit, world_units.edu_clerk)
    (record,) = services.approve_dishonesty(item, by=world_units.edu_reviewer)
    assert record.state == CreditRecord.State.PUBLISHED
    assert record.published_by == world_units.edu_reviewer
    event = OutboxEvent.objects.get(event_type="record.published")
    assert event.payload["source"] == "unit"
    assert event.payload["unit_credit_code"] == UNIT_CODE
    assert event.payload["unit_name"] == unit.name
    assert AuditEntry.objects.filter(action="units.dishonesty.approved", object_id=str(item.pk)).exists()


def test_the_proposer_cannot_approve_even_as_a_reviewer(world_units, unit, clerk_and_reviewer) -> None:
    item = propose(unit, clerk_and_reviewer)
    with pytest.raises(PermissionDenied, match="another reviewer"):
        services.approve_dishonesty(item, by=clerk_and_reviewer)
    assert _current(item).state == CreditRecord.State.SUBMITTED
    assert not OutboxEvent.objects.filter(event_type="record.published").exists()


def test_a_clerk_cannot_approve(world_units, unit) -> None:
    item = propose(unit, world_units.edu_clerk)
    with pytest.raises(PermissionDenied):
        services.approve_dishonesty(item, by=world_units.edu_clerk)
    assert _current(item).state == CreditRecord.State.SUBMITTED


def test_another_departments_staff_can_neither_propose_nor_approve(world_units, unit) -> None:
    with pytest.raises(PermissionDenied):
        propose(unit, world_units.health_clerk)
    assert not UnitDishonesty.objects.exists()
    item = propose(unit, world_units.edu_clerk)
    with pytest.raises(NotFound):
        services.approve_dishonesty(item, by=world_units.health_reviewer)
    with pytest.raises(NotFound):
        services.propose_withdrawal(item, by=world_units.health_clerk, reason="无")
    assert _current(item).state == CreditRecord.State.SUBMITTED


def test_a_citizen_and_another_departments_clerk_cannot_register_units(world_units) -> None:
    for user in (world_units.citizen, world_units.health_clerk):
        with pytest.raises(PermissionDenied):
            services.register_unit(
                by=user,
                department=world_units.education,
                credit_code=UNIT_CODE,
                name="某公司",
                representative_id_number=world_units.subject.id_number,
            )
    assert not Unit.objects.exists()


def test_withdrawal_through_four_eyes_withdraws_the_propagated_record(world_units, unit) -> None:
    w = world_units
    item = propose(unit, w.edu_clerk)
    services.approve_dishonesty(item, by=w.edu_reviewer)
    (change,) = services.propose_withdrawal(item, by=w.edu_reviewer, reason="单位失信决定已被撤销")
    assert change.record == _current(item)
    # The proposer cannot approve their own withdrawal, nor can a clerk.
    with pytest.raises(PermissionDenied):
        services.approve_withdrawal(item, by=w.edu_reviewer)
    with pytest.raises(PermissionDenied):
        services.approve_withdrawal(item, by=w.edu_clerk)
    assert _current(item).state == CreditRecord.State.PUBLISHED
    (withdrawn,) = services.approve_withdrawal(item, by=w.edu_reviewer2)
    assert withdrawn.state == CreditRecord.State.WITHDRAWN
    assert OutboxEvent.objects.filter(event_type="record.withdrawn", payload__source="unit").exists()
    assert AuditEntry.objects.filter(action="units.dishonesty.ended", object_id=str(item.pk)).exists()
    with pytest.raises(Exception, match="No withdrawal"):
        services.approve_withdrawal(item, by=w.edu_reviewer2)
    # What the platform receives conforms to the exchange schema (source and unit name included).
    from exchange import schema

    for event in OutboxEvent.objects.all():
        assert schema.problem(schema.envelope_for(event)) is None, event.event_type


def test_the_reviewer_may_return_it_to_the_clerk(world_units, unit) -> None:
    item = propose(unit, world_units.edu_clerk)
    services.return_dishonesty(item, by=world_units.edu_reviewer, reason="文号缺失")
    assert _current(item).state == CreditRecord.State.RETURNED
    with pytest.raises(Exception, match="awaiting approval"):
        services.approve_dishonesty(item, by=world_units.edu_reviewer2)


# --- bad input: a clear message on the field, nothing changed ---------------------------


def _register(w, **overrides):
    data = {
        "by": w.edu_clerk,
        "department": w.education,
        "credit_code": UNIT_CODE,
        "name": "某公司",
        "representative_id_number": w.subject.id_number,
        **overrides,
    }
    return services.register_unit(**data)


def test_an_invalid_credit_code_is_refused(world_units) -> None:
    with pytest.raises(ValidationError) as exc:
        _register(world_units, credit_code="91110105MA01CX7K3X")
    assert "unified social credit code" in exc.value.message_dict["credit_code"][0]
    assert not Unit.objects.exists()


def test_a_duplicate_credit_code_is_refused(world_units, unit) -> None:
    with pytest.raises(ValidationError) as exc:
        _register(world_units)
    assert "already registered" in exc.value.message_dict["credit_code"][0]
    assert Unit.objects.count() == 1


def test_a_minor_cannot_be_the_representative(world_units) -> None:
    w = world_units
    today = timezone.localdate()
    born = date(today.year - 16, 1, 10)
    minor, _ = archive_services.find_or_create_subject(
        name="测试少年",
        id_number=f.make_id_number(birth=born, seq=77),
        by=w.edu_clerk,
    )
    with pytest.raises(ValidationError) as exc:
        _register(w, representative_id_number=minor.id_number)
    assert "must be an adult" in exc.value.message_dict["representative"][0]
    assert not Unit.objects.exists()


def test_a_representative_without_an_archive_is_refused(world_units) -> None:
    w = world_units
    person, _ = archive_services.find_or_create_subject(
        name="测试乙",
        id_number=f.make_id_number(birth=date(1975, 1, 1), seq=78),
        by=w.edu_clerk,
    )
    with pytest.raises(ValidationError) as exc:
        _register(w, representative_id_number=person.id_number)
    assert "no open archive" in exc.value.message_dict["representative"][0]
    unknown = f.make_id_number(birth=date(1975, 1, 1), seq=79)
    with pytest.raises(ValidationError) as exc:
        _register(w, representative_id_number=unknown, credit_code=OTHER_CODE)
    assert "Nobody with this ID number" in exc.value.message_dict["representative"][0]
    assert not Unit.objects.exists()


def test_bad_record_content_leaves_nothing_behind(world_units, unit) -> None:
    with pytest.raises(ValidationError) as exc:
        propose(unit, world_units.edu_clerk, occurred_on=date(2026, 4, 1), decided_on=date(2026, 3, 1))
    assert "decided_on" in exc.value.message_dict
    assert not UnitDishonesty.objects.exists()
    assert not CreditRecord.objects.filter(source=CreditRecord.Source.UNIT_DISHONESTY).exists()
