"""A unit's serious dishonesty recorded against several persons (003 §三（一）2: 记入其法定
代表人、主要负责人和其他负有直接责任人员的个人信用记录): one record per named person, proposed,
published and withdrawn together, all or nothing, through four eyes."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from archives import services as archive_services
from archives.models import CreditRecord, Evidence
from archives.units import services
from archives.units.models import UnitDishonesty, UnitDishonestyRecord, UnitPerson
from credit_portal.exceptions import NotFound, TransitionNotAllowed
from credit_portal.models import AuditEntry
from exchange.models import OutboxEvent
from tests.units.conftest import propose

pytestmark = pytest.mark.django_db


def _records(item: UnitDishonesty) -> list[CreditRecord]:
    lineages = item.records.values("lineage")
    return list(CreditRecord.objects.filter(lineage__in=lineages, is_current=True).order_by("archive_id"))


def test_by_default_the_legal_representative_and_the_principal_are_named(world_units, staffed_unit) -> None:
    unit, representative, principal, responsible = staffed_unit
    item = propose(unit, world_units.edu_clerk)
    assert {r.archive_id for r in _records(item)} == {representative.archive_id, principal.archive_id}
    assert set(item.records.values_list("person__role", flat=True)) == {
        UnitPerson.Role.LEGAL_REPRESENTATIVE,
        UnitPerson.Role.PRINCIPAL,
    }


def test_the_directly_responsible_person_is_named_per_case_and_approval_publishes_all(
    world_units, staffed_unit
) -> None:
    unit, representative, principal, responsible = staffed_unit
    w = world_units
    item = propose(unit, w.edu_clerk, people=[representative.pk, principal.pk, responsible.pk])
    records = _records(item)
    assert len(records) == 3
    assert {r.archive_id for r in records} == {representative.archive_id, principal.archive_id, responsible.archive_id}
    assert {(r.source, r.state, r.severity) for r in records} == {
        (CreditRecord.Source.UNIT_DISHONESTY, CreditRecord.State.SUBMITTED, CreditRecord.Severity.SERIOUS)
    }
    # Each record rests on its own copy of the decision.
    assert Evidence.objects.filter(record__in=records).count() == 3
    published = services.approve_dishonesty(item, by=w.edu_reviewer)
    assert {r.state for r in published} == {CreditRecord.State.PUBLISHED}
    assert OutboxEvent.objects.filter(event_type="record.published", payload__source="unit").count() == 3
    entry = AuditEntry.objects.get(action="units.dishonesty.approved", object_id=str(item.pk))
    assert sorted(entry.detail["records"]) == sorted(r.pk for r in records)


def test_approval_is_all_or_nothing(world_units, staffed_unit) -> None:
    """The third record cannot be published (its evidence is gone): the first two, already
    published in the same transaction, are rolled back with it."""
    unit, representative, principal, responsible = staffed_unit
    w = world_units
    item = propose(unit, w.edu_clerk, people=[representative.pk, principal.pk, responsible.pk])
    last = CreditRecord.objects.get(lineage=item.records.get(person=responsible).lineage)
    Evidence.objects.filter(record=last).delete()
    with pytest.raises(ValidationError, match="evidence"):
        services.approve_dishonesty(item, by=w.edu_reviewer)
    assert {r.state for r in _records(item)} == {CreditRecord.State.SUBMITTED}
    assert not OutboxEvent.objects.filter(event_type="record.published").exists()
    assert not AuditEntry.objects.filter(action="units.dishonesty.approved").exists()


def test_one_record_published_elsewhere_stops_the_approval(world_units, staffed_unit) -> None:
    unit, representative, principal, responsible = staffed_unit
    w = world_units
    item = propose(unit, w.edu_clerk)
    first = _records(item)[0]
    archive_services.publish_record(first, by=w.edu_reviewer)
    with pytest.raises(TransitionNotAllowed, match="awaiting approval"):
        services.approve_dishonesty(item, by=w.edu_reviewer2)


def test_the_proposal_is_all_or_nothing(world_units, staffed_unit) -> None:
    """The responsible person's archive was closed: nothing is written for the others."""
    unit, representative, principal, responsible = staffed_unit
    w = world_units
    archive_services.close_archive(responsible.archive, reason="调离", by=w.edu_reviewer)
    from archives.models import Evidence

    storage = Evidence._meta.get_field("file").storage
    written = []
    real_save = storage.save

    def save(name, content, max_length=None):  # noqa: ANN001, ANN202 - the storage's own signature
        written.append(real_save(name, content, max_length=max_length))
        return written[-1]

    storage.save = save
    try:
        with pytest.raises(TransitionNotAllowed):
            propose(unit, w.edu_clerk, people=[representative.pk, principal.pk, responsible.pk])
    finally:
        del storage.save
    assert not UnitDishonesty.objects.exists()
    assert not CreditRecord.objects.filter(source=CreditRecord.Source.UNIT_DISHONESTY).exists()
    # The first two persons' evidence files were written, then the third was refused:
    # the rows rolled back and the files went with them.
    assert len(written) == 2
    assert not any(storage.exists(name) for name in written)


def test_an_invalid_person_or_nobody_is_refused(world_units, staffed_unit) -> None:
    unit, representative, principal, responsible = staffed_unit
    w = world_units
    other = services.register_unit(
        by=w.edu_clerk,
        department=w.education,
        credit_code="91110105MA01CX7K4P",
        name="另一单位",
        representative_id_number=principal.subject.id_number,
    )
    foreign = UnitPerson.objects.get(unit=other)
    for people, message in (([foreign.pk], "Choose among"), (["x"], "Choose among"), ([], "at least one")):
        with pytest.raises(ValidationError) as exc:
            propose(unit, w.edu_clerk, people=people)
        assert message in exc.value.message_dict["people"][0]
    assert not UnitDishonesty.objects.exists()


def test_a_person_in_two_roles_gets_one_record(world_units, unit) -> None:
    w = world_units
    services.assign_person(unit, by=w.edu_clerk, role=UnitPerson.Role.PRINCIPAL, id_number=w.subject.id_number)
    item = propose(unit, w.edu_clerk)
    (link,) = item.records.select_related("person")
    assert link.person.role == UnitPerson.Role.LEGAL_REPRESENTATIVE


def test_the_proposer_and_other_departments_cannot_approve(world_units, staffed_unit, clerk_and_reviewer) -> None:
    unit = staffed_unit[0]
    w = world_units
    item = propose(unit, clerk_and_reviewer)
    with pytest.raises(PermissionDenied, match="another reviewer"):
        services.approve_dishonesty(item, by=clerk_and_reviewer)
    with pytest.raises(PermissionDenied):
        services.approve_dishonesty(item, by=w.edu_clerk)
    with pytest.raises(NotFound):
        services.approve_dishonesty(item, by=w.health_reviewer)
    with pytest.raises(PermissionDenied):
        propose(unit, w.health_clerk)
    assert {r.state for r in _records(item)} == {CreditRecord.State.SUBMITTED}
    assert UnitDishonesty.objects.count() == 1


def test_withdrawal_withdraws_every_record_by_four_eyes(world_units, staffed_unit) -> None:
    unit, representative, principal, responsible = staffed_unit
    w = world_units
    item = propose(unit, w.edu_clerk, people=[representative.pk, principal.pk, responsible.pk])
    services.approve_dishonesty(item, by=w.edu_reviewer)
    changes = services.propose_withdrawal(item, by=w.edu_reviewer, reason="单位失信决定已被撤销")
    assert len(changes) == 3
    with pytest.raises(TransitionNotAllowed, match="already awaiting"):
        services.propose_withdrawal(item, by=w.edu_reviewer2, reason="重复")
    for user in (w.edu_reviewer, w.edu_clerk):
        with pytest.raises(PermissionDenied):
            services.approve_withdrawal(item, by=user)
    with pytest.raises(NotFound):
        services.approve_withdrawal(item, by=w.health_reviewer)
    assert {r.state for r in _records(item)} == {CreditRecord.State.PUBLISHED}
    withdrawn = services.approve_withdrawal(item, by=w.edu_reviewer2)
    assert {r.state for r in withdrawn} == {CreditRecord.State.WITHDRAWN}
    assert {r.state for r in _records(item)} == {CreditRecord.State.WITHDRAWN}
    assert OutboxEvent.objects.filter(event_type="record.withdrawn", payload__source="unit").count() == 3
    assert AuditEntry.objects.filter(action="units.dishonesty.ended", object_id=str(item.pk)).count() == 3
    with pytest.raises(TransitionNotAllowed, match="No withdrawal"):
        services.approve_withdrawal(item, by=w.edu_reviewer2)


def test_a_record_repaired_on_its_own_is_left_out_of_the_withdrawal(world_units, staffed_unit) -> None:
    unit, representative, principal, responsible = staffed_unit
    w = world_units
    item = propose(unit, w.edu_clerk)
    services.approve_dishonesty(item, by=w.edu_reviewer)
    link = UnitDishonestyRecord.objects.get(item=item, person=principal)
    archive_services.mark_repaired(
        CreditRecord.objects.get(lineage=link.lineage, is_current=True), by=w.credit_office, reason="信用修复"
    )
    (change,) = services.propose_withdrawal(item, by=w.edu_reviewer, reason="决定撤销")
    assert change.record.archive == representative.archive


def test_the_review_queue_does_not_publish_one_record_of_it_alone(world_units, staffed_unit) -> None:
    """All or nothing holds on the record's own review page too: the reviewer is sent to
    the unit's page, and nothing is published."""
    from django.test import Client
    from django.urls import reverse

    unit = staffed_unit[0]
    item = propose(unit, world_units.edu_clerk)
    record = _records(item)[0]
    client = Client()
    client.force_login(world_units.edu_reviewer)
    review = client.get(reverse("archives:record_review", args=[record.pk])).content.decode()
    assert reverse("archives:record_publish", args=[record.pk]) not in review
    assert "单位页面" in review
    response = client.post(reverse("archives:record_publish", args=[record.pk]))
    assert response.status_code == 302
    assert {r.state for r in _records(item)} == {CreditRecord.State.SUBMITTED}
    assert not OutboxEvent.objects.filter(event_type="record.published").exists()
