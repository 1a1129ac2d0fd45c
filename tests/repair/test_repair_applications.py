"""Credit repair applications, ratings and reminders."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError

from archives.models import CreditRecord
from archives.selectors import records_visible_to
from credit_portal.exceptions import TransitionNotAllowed
from exchange.models import OutboxEvent
from exchange.schema import envelope_for, problem
from repair import reminders, selectors, services
from repair.models import CaseFile, Objection, Rating, RepairApplication
from tests import factories as f
from tests.factories import lately
from tests.repair.conftest import pdf, publish

pytestmark = pytest.mark.django_db
TZ = ZoneInfo("Asia/Shanghai")


def _apply(record, world, **kw):
    args = {"fulfilment": "罚款已于2026年4月缴清", "commitment_confirmed": True, "proof": [pdf()]}
    args.update(kw)
    return services.apply_for_repair(record, by=world.citizen, **args)


def test_eligibility_counts_the_minimum_period_from_the_decision_date(world) -> None:
    with time_machine.travel(date(2026, 4, 1)):  # published while on display
        record = publish(world, decided_on=date(2026, 3, 20))  # general: at least 3 months
    # Three months from 20 March: 21 March is the first day counted, 20 June the last
    # (民法典 arts. 201, 202), a day the record is still shown; repair opens on 21 June.
    early = services.repair_eligibility(record, today=date(2026, 6, 20))
    assert not early.repairable
    assert early.earliest == date(2026, 6, 21)
    assert "2026-06-21" in str(early.reasons[0])
    assert services.repair_eligibility(record, today=date(2026, 6, 21)).repairable


def test_minor_information_is_repairable_at_once(world) -> None:
    dates = lately(1)
    record = publish(world, severity=CreditRecord.Severity.MINOR, **dates)
    assert services.repair_eligibility(record, today=dates["decided_on"]).repairable


def test_positive_information_is_not_repairable(world) -> None:
    from archives import services as archive_services

    record = archive_services.draft_record(
        world.archive, by=world.edu_clerk, category=world.violations, polarity="positive", title="优秀教师",
        occurred_on=date(2026, 1, 1), decided_on=date(2026, 1, 2),
    )
    assert not services.repair_eligibility(record).repairable


def test_repair_before_the_minimum_period_is_refused(links, world) -> None:
    with time_machine.travel(date(2026, 10, 10)):  # published while on display
        record = publish(world, decided_on=date(2026, 10, 1), occurred_on=date(2026, 9, 1))
    with time_machine.travel(datetime(2026, 11, 2, 10, tzinfo=TZ), tick=False), pytest.raises(
        TransitionNotAllowed, match="2027-01-02"
    ):
        _apply(record, world)
    assert not RepairApplication.objects.exists()


def test_repair_without_commitment_or_proof_is_refused(links, record, world) -> None:
    with pytest.raises(ValidationError) as excinfo:
        _apply(record, world, commitment_confirmed=False, proof=[])
    assert set(excinfo.value.message_dict) == {"commitment", "proof"}
    assert not RepairApplication.objects.exists()


def test_repair_of_someone_elses_record_is_refused(links, record, world) -> None:
    with pytest.raises(PermissionDenied):
        services.apply_for_repair(
            record, by=f.make_user("other"), fulfilment="x", commitment_confirmed=True, proof=[pdf()]
        )


def test_approved_repair_ends_display_but_the_department_keeps_the_record(links, record, world) -> None:
    application = _apply(record, world, extra_actions="参加志愿服务40小时", extra_files=[pdf("volunteer.pdf")])
    assert "信用" in application.commitment_text or world.subject.name in application.commitment_text
    assert {f.kind for f in application.files.all()} == {CaseFile.Kind.FULFILMENT, CaseFile.Kind.EXTRA}
    with pytest.raises(TransitionNotAllowed):
        _apply(record, world)  # a second open application
    accepted = services.accept_repair(application, by=world.credit_office)
    assert accepted.decide_due is not None
    decided = services.decide_repair(accepted, by=world.credit_office, approve=True, reason="义务已履行")
    assert decided.state == RepairApplication.State.APPROVED
    record.refresh_from_db()
    assert record.state == CreditRecord.State.REPAIRED
    assert records_visible_to(world.edu_reviewer).filter(pk=record.pk).exists()
    event = OutboxEvent.objects.get(event_type="repair.concluded")
    assert problem(envelope_for(event)) is None
    assert event.payload["outcome"] == "approved"
    assert OutboxEvent.objects.filter(event_type="record.repaired").exists()
    with pytest.raises(TransitionNotAllowed, match="already concluded"):
        services.decide_repair(decided, by=world.credit_office, approve=False, reason="x")


def test_rejected_and_refused_repairs_leave_the_record(links, record, world) -> None:
    refused = services.refuse_repair(_apply(record, world), by=world.credit_office, reason="材料不全")
    assert refused.state == RepairApplication.State.REFUSED
    rejected = services.decide_repair(
        services.accept_repair(_apply(record, world), by=world.credit_office),
        by=world.credit_office, approve=False, reason="罚款未缴清",
    )
    assert rejected.state == RepairApplication.State.REJECTED
    record.refresh_from_db()
    assert record.state == CreditRecord.State.PUBLISHED
    for event in OutboxEvent.objects.filter(event_type="repair.concluded"):
        assert problem(envelope_for(event)) is None


def test_only_the_credit_office_decides(links, record, world) -> None:
    application = _apply(record, world)
    with pytest.raises(PermissionDenied):
        services.accept_repair(application, by=world.edu_reviewer)


def test_rating_after_the_case_and_a_poor_rating_becomes_a_task(links, record, world) -> None:
    application = _apply(record, world)
    with pytest.raises(TransitionNotAllowed):
        services.rate_case(application, by=world.citizen, score=5)
    refused = services.refuse_repair(application, by=world.credit_office, reason="材料不全")
    with pytest.raises(ValidationError):
        services.rate_case(refused, by=world.citizen, score=1)  # a poor rating needs a comment
    rating = services.rate_case(refused, by=world.citizen, score=1, comment="没有说明缺哪些材料")
    assert rating.needs_follow_up
    assert list(selectors.ratings_to_follow_up()) == [rating]
    with pytest.raises(TransitionNotAllowed):
        services.rate_case(refused, by=world.citizen, score=5)
    services.follow_up_rating(rating, by=world.credit_office, note="已电话说明")
    assert not selectors.ratings_to_follow_up()


def test_good_rating_needs_no_follow_up(links, record, world) -> None:
    objection = services.refuse_objection(
        services.file_objection(record, by=world.citizen, reasons="x"), by=world.credit_office, reason="r"
    )
    rating = services.rate_case(objection, by=world.citizen, score=Rating.Score.SATISFIED)
    assert not rating.needs_follow_up
    with pytest.raises(PermissionDenied):
        services.rate_case(objection, by=world.edu_clerk, score=5)


def test_queue_marks_overdue_cases_and_reminders_are_sent_once_a_day(links, record, world) -> None:
    world.credit_office.email = "officer@example.invalid"
    world.credit_office.save()
    objection = services.file_objection(record, by=world.citizen, reasons="x")
    later = objection.accept_due + timedelta(days=3)
    stages = selectors.queue(world.credit_office, today=later)
    assert stages["objection_submitted"].cases[0].overdue
    assert selectors.queue(world.edu_reviewer) == {}
    assert reminders.send_reminders(today=later) == 1
    assert reminders.send_reminders(today=later) == 0  # safe to run twice
    assert len(mail.outbox) == 1
    assert objection.reference in mail.outbox[0].subject
    assert world.subject.name not in mail.outbox[0].body


def test_citizen_and_department_see_only_their_cases(links, record, world) -> None:
    objection = services.file_objection(record, by=world.citizen, reasons="x")
    assert list(selectors.objections_visible_to(world.citizen)) == [objection]
    assert not selectors.objections_visible_to(world.edu_reviewer).exists()  # not accepted yet
    services.accept_objection(objection, by=world.credit_office)
    assert selectors.objections_visible_to(world.edu_reviewer).exists()
    assert not selectors.objections_visible_to(world.health_reviewer).exists()
    assert not selectors.objections_visible_to(f.make_user("nobody")).exists()
    assert Objection.objects.count() == 1
