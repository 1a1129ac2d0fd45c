"""Four eyes on every change others see (DESIGN §5): corrections and withdrawals of a
published record are proposals another reviewer of the department approves; a change
that makes a record negative or more severe follows the negative-record path."""

from __future__ import annotations

from datetime import date

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError

from archives import services
from archives.models import CreditRecord, Notice, RecordChange
from credit_portal.exceptions import TransitionNotAllowed
from credit_portal.models import AuditEntry
from exchange.models import OutboxEvent
from tests.archives.conftest import World, negative_data, pdf, publish_negative

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(date(2026, 5, 1), tick=False):
        yield


def _positive(world: World) -> CreditRecord:
    record = services.draft_record(
        world.archive, by=world.edu_clerk,
        **negative_data(world, polarity="positive", severity="", is_penalty=False, title="获评优秀教师"),
    )
    services.submit_record(record, by=world.edu_clerk)
    return services.publish_record(record, by=world.edu_reviewer)


def _unchanged(record: CreditRecord) -> None:
    record.refresh_from_db()
    assert record.state == CreditRecord.State.PUBLISHED
    assert record.is_current
    assert CreditRecord.objects.filter(lineage=record.lineage).count() == 1


# --- the four-eyes matrix: correct and withdraw ---------------------------------------------


@pytest.mark.parametrize("kind", ["correct", "withdraw"])
def test_clerk_alone_cannot_change_a_published_record(world: World, kind: str) -> None:
    record = publish_negative(world)
    change = _propose(record, kind, by=world.edu_clerk)
    with pytest.raises(PermissionDenied):
        services.approve_change(change, by=world.edu_clerk)
    for direct in (services.correct_record, services.withdraw_record):
        with pytest.raises(PermissionDenied):
            direct(record, by=world.edu_clerk, reason="x", **({"title": "改"} if direct is services.correct_record else {}))
    _unchanged(record)


@pytest.mark.parametrize("kind", ["correct", "withdraw"])
def test_reviewer_alone_cannot_change_a_published_record(world: World, kind: str) -> None:
    record = publish_negative(world)
    # The old single-step path is closed to department staff.
    with pytest.raises(PermissionDenied):
        services.correct_record(record, by=world.edu_reviewer, reason="x", title="改")
    with pytest.raises(PermissionDenied):
        services.withdraw_record(record, by=world.edu_reviewer, reason="x")
    change = _propose(record, kind, by=world.edu_reviewer)
    _unchanged(record)
    # The same reviewer twice: refused, nothing changes.
    with pytest.raises(PermissionDenied):
        services.approve_change(change, by=world.edu_reviewer)
    _unchanged(record)
    change.refresh_from_db()
    assert change.state == RecordChange.State.PENDING


@pytest.mark.parametrize("kind", ["correct", "withdraw"])
def test_two_people_change_a_published_record(world: World, kind: str) -> None:
    record = publish_negative(world)
    change = _propose(record, kind, by=world.edu_clerk)
    result = services.approve_change(change, by=world.edu_reviewer2)
    record.refresh_from_db()
    change.refresh_from_db()
    assert change.state == RecordChange.State.APPROVED
    assert change.decided_by == world.edu_reviewer2
    if kind == "correct":
        assert record.state == CreditRecord.State.CORRECTED
        assert result.version == 2
        assert result.is_current
        assert result.title == "违规有偿补课（更正）"
        assert result.created_by == world.edu_clerk
        assert result.published_by == world.edu_reviewer2
        assert change.result == result
        assert OutboxEvent.objects.filter(event_type="record.corrected", aggregate_id=str(result.pk)).exists()
    else:
        assert record.state == CreditRecord.State.WITHDRAWN
        assert OutboxEvent.objects.filter(event_type="record.withdrawn").exists()
    actions = set(AuditEntry.objects.values_list("action", flat=True))
    assert {"archives.record_change.proposed", "archives.record_change.approved"} <= actions


def test_other_department_and_citizen_cannot_propose_or_approve(world: World) -> None:
    record = publish_negative(world)
    for outsider in (world.health_clerk, world.health_reviewer, world.citizen, world.credit_office):
        with pytest.raises(PermissionDenied):
            services.propose_withdrawal(record, by=outsider, reason="x")
    change = services.propose_withdrawal(record, by=world.edu_clerk, reason="撤销")
    for outsider in (world.health_reviewer, world.citizen, world.credit_office, world.edu_clerk):
        with pytest.raises(PermissionDenied):
            services.approve_change(change, by=outsider)
    _unchanged(record)


def test_a_second_proposal_while_one_waits_is_refused(world: World) -> None:
    record = publish_negative(world)
    services.propose_withdrawal(record, by=world.edu_clerk, reason="撤销")
    with pytest.raises(TransitionNotAllowed):
        services.propose_correction(record, by=world.edu_reviewer, reason="改", title="新")
    assert RecordChange.objects.count() == 1


def test_rejected_and_cancelled_proposals_change_nothing(world: World) -> None:
    record = publish_negative(world)
    change = services.propose_withdrawal(record, by=world.edu_clerk, reason="撤销")
    with pytest.raises(ValidationError):
        services.reject_change(change, by=world.edu_reviewer, reason=" ")
    with pytest.raises(PermissionDenied):
        services.cancel_change(change, by=world.edu_reviewer)
    services.reject_change(change, by=world.edu_reviewer, reason="依据不足")
    with pytest.raises(TransitionNotAllowed):
        services.approve_change(change, by=world.edu_reviewer2)
    _unchanged(record)
    again = services.propose_withdrawal(record, by=world.edu_clerk, reason="撤销")
    services.cancel_change(again, by=world.edu_clerk)
    with pytest.raises(TransitionNotAllowed):
        services.approve_change(again, by=world.edu_reviewer)
    _unchanged(record)


def test_proposal_on_a_record_changed_meanwhile_is_refused(world: World) -> None:
    record = publish_negative(world)
    change = services.propose_correction(record, by=world.edu_clerk, reason="改", title="新标题")
    services.withdraw_record(record, by=world.credit_office, reason="异议成立")  # a case concluded meanwhile
    with pytest.raises(TransitionNotAllowed):
        services.approve_change(change, by=world.edu_reviewer)


def test_proposal_needs_a_reason_and_a_change(world: World) -> None:
    record = publish_negative(world)
    with pytest.raises(ValidationError):
        services.propose_correction(record, by=world.edu_clerk, reason="", title="新")
    with pytest.raises(ValidationError):
        services.propose_correction(record, by=world.edu_clerk, reason="无改动", title=record.title)
    with pytest.raises(ValidationError):
        services.propose_correction(record, by=world.edu_clerk, reason="日期", decided_on=date(2030, 1, 1))
    assert not RecordChange.objects.exists()


# --- a change that makes a record negative or more severe -----------------------------------


def test_positive_to_serious_follows_the_negative_record_path(world: World) -> None:
    """The bug that was: one reviewer turned a published positive record into a published
    负面·严重 record at once, with no second person, no evidence, no notice."""
    record = _positive(world)
    with pytest.raises((PermissionDenied, ValidationError)):
        services.correct_record(record, by=world.edu_reviewer, reason="定性错误", polarity="negative", severity="serious")
    change = services.propose_correction(
        record, by=world.edu_reviewer, reason="定性错误", polarity="negative", severity="serious", is_penalty=True,
    )
    assert change.escalates
    # The person is told before anything is published (《征信业管理条例》 art. 15).
    assert Notice.objects.filter(subject=world.subject, kind=Notice.Kind.PRE_PUBLICATION, record=record).exists()
    _unchanged(record)
    # Evidence is required before approval.
    with pytest.raises(ValidationError):
        services.approve_change(change, by=world.edu_reviewer2)
    _unchanged(record)
    services.attach_evidence(pdf(), by=world.edu_clerk, change=change)
    new = services.approve_change(change, by=world.edu_reviewer2)
    assert (new.polarity, new.severity) == ("negative", "serious")
    # Display period from the rules: serious, at most 36 months from the decision (2026-03-20).
    assert new.display_until == date(2029, 3, 20)
    assert new.evidence.count() == 1
    assert Notice.objects.filter(subject=world.subject, kind=Notice.Kind.REPAIR_NOTICE).exists()


def test_more_severe_is_an_escalation_and_less_severe_is_not(world: World) -> None:
    record = publish_negative(world, severity="general")
    milder = services.propose_correction(record, by=world.edu_clerk, reason="情节较轻", severity="minor")
    assert not milder.escalates
    services.cancel_change(milder, by=world.edu_clerk)
    harsher = services.propose_correction(record, by=world.edu_clerk, reason="情节严重", severity="serious")
    assert harsher.escalates
    with pytest.raises(ValidationError):
        services.approve_change(harsher, by=world.edu_reviewer)


def test_negative_record_cannot_be_submitted_without_evidence(world: World) -> None:
    record = services.draft_record(world.archive, by=world.edu_clerk, **negative_data(world))
    with pytest.raises(ValidationError):
        services.submit_record(record, by=world.edu_clerk)
    record.refresh_from_db()
    assert record.state == CreditRecord.State.DRAFT


def _propose(record: CreditRecord, kind: str, *, by: object) -> RecordChange:
    if kind == "correct":
        return services.propose_correction(record, by=by, reason="标题有误", title="违规有偿补课（更正）")
    return services.propose_withdrawal(record, by=by, reason="处罚决定已撤销")


def test_a_correction_to_a_decision_whose_period_is_over_expires_at_once(world: World) -> None:
    """Corrected to an earlier decision date whose display period ended before today
    (2026-05-01): the new version ends at once instead of showing until the night."""
    record = publish_negative(world, severity="minor", decided_on=date(2026, 3, 20))
    change = services.propose_correction(record, by=world.edu_clerk, reason="决定日期录错",
                                         decided_on=date(2026, 1, 10), occurred_on=date(2026, 1, 5))
    result = services.approve_change(change, by=world.edu_reviewer2)
    result.refresh_from_db()
    assert (result.version, result.display_until, result.state) == (2, date(2026, 4, 10), CreditRecord.State.EXPIRED)
    assert sorted(OutboxEvent.objects.filter(aggregate_id=str(result.pk)).values_list("event_type", flat=True)) == [
        "record.corrected", "record.expired"]
