"""The review queue reads the record's own copies of its archive's department and
occupation (set while the record awaits review, cleared when it leaves the queue), so
its scope is served by indexes that lead with them. These tests pin what the copies
hold and that the queue shows exactly the reviewer's scope."""

from __future__ import annotations

from datetime import date

from archives import selectors, services
from archives.models import CreditRecord
from tests import factories as f
from tests.archives.conftest import World, draft_negative


def _doctor_archive(world: World):
    subject, _ = services.find_or_create_subject(
        name="测试乙", id_number=f.make_id_number(birth=date(1981, 4, 2), seq=2), phone="13800000002",
        by=world.health_clerk,
    )
    return services.open_archive(
        subject=subject, occupation=world.doctor, department=world.health, employer="示范市第一医院",
        by=world.health_clerk,
    )


def test_submission_copies_department_and_occupation_and_leaving_the_queue_clears_them(world: World) -> None:
    record = draft_negative(world)
    assert (record.review_department_id, record.review_occupation_id) == (None, None)

    services.submit_record(record, by=world.edu_clerk)
    record.refresh_from_db()
    assert (record.review_department_id, record.review_occupation_id) == (world.education.pk, world.teacher.pk)

    services.return_record(record, reason="请补充", by=world.edu_reviewer)
    record.refresh_from_db()
    assert (record.review_department_id, record.review_occupation_id) == (None, None)

    services.submit_record(record, by=world.edu_clerk)
    services.publish_record(record, by=world.edu_reviewer)
    record.refresh_from_db()
    assert record.state == CreditRecord.State.PUBLISHED
    assert (record.review_department_id, record.review_occupation_id) == (None, None)


def test_each_reviewer_sees_only_their_scope_and_the_credit_office_sees_all(world: World) -> None:
    teacher_record = draft_negative(world, title="教师记录")
    services.submit_record(teacher_record, by=world.edu_clerk)
    doctor_record = draft_negative(world, archive=_doctor_archive(world), by=world.health_clerk, title="医师记录")
    services.submit_record(doctor_record, by=world.health_clerk)

    assert [r.pk for r in selectors.review_queue(world.edu_reviewer, limit=10)] == [teacher_record.pk]
    assert [r.pk for r in selectors.review_queue(world.health_reviewer, limit=10)] == [doctor_record.pk]
    # A reviewer of a department with nothing of its own to review sees nothing.
    assert list(selectors.review_queue(world.audit_reviewer, limit=10)) == []
    # Clerks and citizens have no queue at all.
    assert list(selectors.review_queue(world.edu_clerk, limit=10)) == []
    assert list(selectors.review_queue(world.citizen, limit=10)) == []
    assert {r.pk for r in selectors.review_queue(world.credit_office, limit=10)} == {teacher_record.pk, doctor_record.pk}


def test_queue_is_oldest_first_and_limited(world: World) -> None:
    records = []
    for i in range(3):
        record = draft_negative(world, title=f"记录{i}")
        services.submit_record(record, by=world.edu_clerk)
        records.append(record)
    assert [r.pk for r in selectors.review_queue(world.edu_reviewer, limit=2)] == [records[0].pk, records[1].pk]
