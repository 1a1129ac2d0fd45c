from __future__ import annotations

from datetime import date

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError

from archives import services
from archives.models import CreditRecord, Notice
from credit_portal.exceptions import TransitionNotAllowed
from credit_portal.models import AuditEntry
from exchange.models import OutboxEvent
from tests.archives.conftest import draft_negative, negative_data

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(date(2026, 5, 1), tick=False):
        yield


def _published(world, **overrides):
    record = draft_negative(world, **overrides)
    services.submit_record(record, by=world.edu_clerk)
    return services.publish_record(record, by=world.edu_reviewer)


def test_full_lifecycle_writes_audit_and_one_outbox_event(world):
    record = draft_negative(world)
    assert record.state == CreditRecord.State.DRAFT
    services.submit_record(record, by=world.edu_clerk)
    published = services.publish_record(record, by=world.edu_reviewer)
    assert published.state == CreditRecord.State.PUBLISHED
    # General severity: displayed for at most one year from the decision date.
    assert published.display_until == date(2027, 3, 20)
    actions = list(AuditEntry.objects.filter(object_type="archives.creditrecord", object_id=str(record.pk)).values_list("action", flat=True))
    assert actions == ["archives.record.drafted", "archives.record.submitted", "archives.record.published"]
    events = OutboxEvent.objects.filter(aggregate_id=str(record.pk))
    assert [e.event_type for e in events] == ["record.published"]
    assert events[0].payload["severity"] == "general"
    assert "id_number" not in events[0].payload


def test_negative_record_notifies_subject_before_publication_and_penalty_carries_repair_notice(world):
    record = draft_negative(world)
    services.submit_record(record, by=world.edu_clerk)
    assert list(Notice.objects.filter(subject=world.subject).values_list("kind", flat=True)) == [
        Notice.Kind.PRE_PUBLICATION
    ]
    record = services.publish_record(record, by=world.edu_reviewer)
    kinds = set(Notice.objects.filter(subject=world.subject).values_list("kind", flat=True))
    assert kinds == {Notice.Kind.PRE_PUBLICATION, Notice.Kind.REPAIR_NOTICE}
    # The day repair opens is the day after the minimum display period's last day, the
    # day the credit office's eligibility check opens it (repair.services.repair_eligibility).
    from repair.services import repair_eligibility

    notice = Notice.objects.get(subject=world.subject, kind=Notice.Kind.REPAIR_NOTICE)
    assert repair_eligibility(record).earliest.isoformat() in notice.body


def test_reviewer_cannot_publish_own_record(world):
    record = draft_negative(world)
    # A reviewer who is also a clerk of the department edits, then tries to publish.
    from departments.models import Membership

    Membership.objects.create(user=world.edu_reviewer, department=world.education, role=Membership.Role.CLERK)
    services.edit_record(record, by=world.edu_reviewer, title="改过的标题")
    services.submit_record(record, by=world.edu_clerk)
    with pytest.raises(PermissionDenied):
        services.publish_record(record, by=world.edu_reviewer)
    record.refresh_from_db()
    assert record.state == CreditRecord.State.SUBMITTED
    assert services.publish_record(record, by=world.edu_reviewer2).state == CreditRecord.State.PUBLISHED


def test_clerk_cannot_publish(world):
    record = draft_negative(world)
    services.submit_record(record, by=world.edu_clerk)
    with pytest.raises(PermissionDenied):
        services.publish_record(record, by=world.edu_clerk)


def test_other_department_cannot_draft_or_publish(world):
    with pytest.raises(PermissionDenied):
        services.draft_record(world.archive, by=world.health_clerk, **negative_data(world))
    record = draft_negative(world)
    services.submit_record(record, by=world.edu_clerk)
    with pytest.raises(PermissionDenied):
        services.publish_record(record, by=world.health_reviewer)
    with pytest.raises(PermissionDenied):
        services.publish_record(record, by=world.citizen)
    assert CreditRecord.objects.count() == 1


def test_clerk_cannot_edit_published_record(world):
    record = _published(world)
    with pytest.raises(TransitionNotAllowed):
        services.edit_record(record, by=world.edu_clerk, title="偷偷改")
    record.refresh_from_db()
    assert record.title == "违规有偿补课"


def test_return_needs_reason_and_resubmission_works(world):
    record = draft_negative(world)
    services.submit_record(record, by=world.edu_clerk)
    with pytest.raises(ValidationError):
        services.return_record(record, by=world.edu_reviewer, reason="  ")
    returned = services.return_record(record, by=world.edu_reviewer, reason="文号有误")
    assert returned.state == CreditRecord.State.RETURNED
    services.edit_record(returned, by=world.edu_clerk, decision_number="示教罚〔2026〕13号")
    assert services.submit_record(returned, by=world.edu_clerk).state == CreditRecord.State.SUBMITTED


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"severity": ""}, "severity"),
        ({"decided_on": date(2026, 6, 1)}, "decided_on"),
        ({"occurred_on": date(2026, 4, 1), "decided_on": date(2026, 3, 1)}, "decided_on"),
        ({"polarity": "positive", "severity": "minor", "is_penalty": False}, "severity"),
        ({"unit_credit_code": "91110000600037341X"}, "unit_credit_code"),
        ({"title": ""}, "title"),
    ],
)
def test_bad_record_input_is_refused_and_changes_nothing(world, overrides, field):
    with pytest.raises(ValidationError) as excinfo:
        draft_negative(world, **overrides)
    assert field in excinfo.value.message_dict
    assert CreditRecord.objects.count() == 0
    assert not AuditEntry.objects.filter(action="archives.record.drafted").exists()


def test_category_outside_occupation_is_refused(world):
    from tests import factories as f

    lawyers_only = f.category("practice-penalty", "执业处罚", common=False)
    with pytest.raises(ValidationError) as excinfo:
        draft_negative(world, category=lawyers_only)
    assert "category" in excinfo.value.message_dict


def test_correction_creates_new_version_and_keeps_old(world):
    record = _published(world)
    change = services.propose_correction(record, by=world.edu_reviewer, reason="文号录入错误", decision_number="示教罚〔2026〕15号")
    new = services.approve_change(change, by=world.edu_reviewer2)
    record.refresh_from_db()
    assert record.state == CreditRecord.State.CORRECTED
    assert not record.is_current
    assert new.version == 2
    assert new.supersedes_id == record.pk
    assert new.is_current
    assert new.lineage == record.lineage
    assert new.decision_number == "示教罚〔2026〕15号"
    assert OutboxEvent.objects.filter(event_type="record.corrected", aggregate_id=str(new.pk)).exists()


def test_correct_twice_from_stale_version_is_refused(world):
    record = _published(world)
    services.correct_record(record, by=world.credit_office, reason="一", title="甲")
    with pytest.raises(TransitionNotAllowed):
        services.correct_record(record, by=world.credit_office, reason="二", title="乙")


def test_credit_office_carries_out_a_case_withdrawal_and_departments_cannot(world):
    record = _published(world)
    for user in (world.health_reviewer, world.edu_reviewer, world.edu_clerk):
        with pytest.raises(PermissionDenied):
            services.withdraw_record(record, by=user, reason="x")
    withdrawn = services.withdraw_record(record, by=world.credit_office, reason="处罚决定已撤销")
    assert withdrawn.state == CreditRecord.State.WITHDRAWN


def test_negative_record_cannot_be_submitted_without_evidence(world):
    record = services.draft_record(world.archive, by=world.edu_clerk, **negative_data(world, severity="minor"))
    with pytest.raises(ValidationError):
        services.submit_record(record, by=world.edu_clerk)
    record.refresh_from_db()
    assert record.state == CreditRecord.State.DRAFT
    assert not Notice.objects.filter(subject=world.subject).exists()
    positive = services.draft_record(
        world.archive, by=world.edu_clerk,
        **negative_data(world, polarity="positive", severity="", is_penalty=False),
    )
    assert services.submit_record(positive, by=world.edu_clerk).state == CreditRecord.State.SUBMITTED


@pytest.mark.parametrize(
    ("severity", "decided", "until"),
    [
        ("minor", date(2026, 1, 31), date(2026, 4, 30)),  # 3 months, clamped to the month's end
        ("general", date(2024, 2, 29), date(2025, 2, 28)),  # leap day + 12 months
        ("serious", date(2025, 12, 31), date(2028, 12, 31)),  # 36 months
    ],
)
def test_display_period_boundaries(world, severity, decided, until):
    record = CreditRecord(
        archive=world.archive, polarity="negative", severity=severity, decided_on=decided, occurred_on=decided
    )
    assert services.display_until_for(record) == until


def test_expiry_moves_records_past_display_period_and_emits(world):
    with time_machine.travel(date(2026, 2, 1), tick=False):  # published while its period runs
        record = _published(world, severity="minor", decided_on=date(2026, 1, 10), occurred_on=date(2026, 1, 5))
    assert record.display_until == date(2026, 4, 10)
    assert services.expire_records(today=date(2026, 4, 10)) == 0
    assert services.expire_records(today=date(2026, 4, 11)) == 1
    record.refresh_from_db()
    assert record.state == CreditRecord.State.EXPIRED
    assert OutboxEvent.objects.filter(event_type="record.expired").count() == 1
    assert services.expire_records(today=date(2026, 4, 12)) == 0


def test_shared_occupation_departments_both_act(world):
    from tests import factories as f

    subject, _ = services.find_or_create_subject(
        name="测试乙", id_number=f.make_id_number(seq=2, birth=date(1975, 1, 1)), by=world.finance_clerk
    )
    archive = services.open_archive(
        subject=subject, occupation=world.auditor_occ, department=world.finance, employer="某会计师事务所",
        by=world.finance_clerk,
    )
    record = draft_negative(world, archive=archive, by=world.audit_clerk, is_penalty=False)
    services.submit_record(record, by=world.audit_clerk)
    assert services.publish_record(record, by=world.audit_reviewer).state == "published"


def test_open_archive_for_other_departments_occupation_is_refused(world):
    with pytest.raises(ValidationError):
        services.open_archive(
            subject=world.subject, occupation=world.doctor, department=world.education, employer="x", by=world.edu_clerk
        )
    with pytest.raises(PermissionDenied):
        services.open_archive(
            subject=world.subject, occupation=world.doctor, department=world.health, employer="x", by=world.edu_clerk
        )


def test_rolled_back_transition_emits_nothing(world):
    from django.db import transaction

    record = draft_negative(world)
    services.submit_record(record, by=world.edu_clerk)
    before = OutboxEvent.objects.count()
    def publish_then_fail() -> None:
        with transaction.atomic():
            services.publish_record(record, by=world.edu_reviewer)
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        publish_then_fail()
    assert OutboxEvent.objects.count() == before
    record.refresh_from_db()
    assert record.state == CreditRecord.State.SUBMITTED


def test_a_record_whose_period_is_already_over_expires_when_published(world):
    """Decided so long ago that its display period ended before publication: it is
    never shown as published, not even until the nightly expiry, and no repair notice
    announces a display that is not happening. Today is 2026-05-01 (``_today``)."""
    record = _published(world, severity="minor", decided_on=date(2026, 1, 10), occurred_on=date(2026, 1, 5))
    assert record.display_until == date(2026, 4, 10)
    record.refresh_from_db()
    assert record.state == CreditRecord.State.EXPIRED
    assert sorted(OutboxEvent.objects.values_list("event_type", flat=True)) == ["record.expired", "record.published"]
    assert not Notice.objects.filter(kind=Notice.Kind.REPAIR_NOTICE).exists()
    assert services.expire_records() == 0


def test_a_record_on_its_last_day_of_display_is_published(world):
    with time_machine.travel(date(2026, 4, 10), tick=False):
        record = _published(world, severity="minor", decided_on=date(2026, 1, 10), occurred_on=date(2026, 1, 5))
    assert record.state == CreditRecord.State.PUBLISHED
    assert Notice.objects.filter(kind=Notice.Kind.REPAIR_NOTICE, record=record).exists()


@pytest.mark.parametrize("polarity", ["negative", "positive"])
def test_negative_information_past_the_five_years_cannot_be_entered(world, polarity):
    """《征信业管理条例》第十六条: 个人不良信息的保存期限…为5年；超过5年的，应当予以删除. A
    negative decision older than that would be deleted by the next night's purge, so it is
    refused with a message naming the first day still accepted; positive information has
    no such limit."""
    overrides = {"decided_on": date(2021, 4, 30), "occurred_on": date(2021, 4, 1)}
    if polarity == "positive":
        overrides.update(polarity="positive", severity="", is_penalty=False)
        record = services.draft_record(world.archive, by=world.edu_clerk, **negative_data(world, **overrides))
        assert record.pk
        return
    with pytest.raises(ValidationError) as caught:
        draft_negative(world, **overrides)
    assert "2021-05-01" in str(caught.value.message_dict["decided_on"])
    assert not CreditRecord.objects.exists()
    assert draft_negative(world, decided_on=date(2021, 5, 1), occurred_on=date(2021, 4, 1)).pk  # the last day kept
