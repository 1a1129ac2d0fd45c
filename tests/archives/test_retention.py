"""The 5-year retention of 《征信业管理条例》 art. 16: "征信机构对个人不良信息的保存期限，
自不良行为或者事件终止之日起为5年；超过5年的，应当予以删除". Past it, the record leaves
every table but the audit trail's identifiers, with an audit entry."""

from __future__ import annotations

from datetime import date

import pytest
import time_machine

from archives import services
from archives.models import CreditRecord, Evidence, Notice, RecordChange
from credit_portal.models import AuditEntry
from tests.archives.conftest import World, pdf, publish_negative

pytestmark = pytest.mark.django_db

DECIDED = date(2020, 6, 15)  # retention ends 2025-06-15: kept that day, removed the day after


@pytest.fixture
def old_record(world: World) -> CreditRecord:
    with time_machine.travel(date(2020, 7, 1), tick=False):
        record = publish_negative(world, occurred_on=date(2020, 6, 1), decided_on=DECIDED)
        change = services.propose_correction(record, by=world.edu_clerk, reason="文号", decision_number="新文号")
        services.attach_evidence(pdf(), by=world.edu_clerk, change=change)
        return services.approve_change(change, by=world.edu_reviewer2)


def _lineage_rows(record: CreditRecord) -> dict[str, int]:
    versions = CreditRecord.objects.filter(lineage=record.lineage)
    return {
        "records": versions.count(),
        "evidence": Evidence.objects.filter(record__in=versions).count(),
        "notices": Notice.objects.filter(record__in=versions).count(),
        "changes": RecordChange.objects.filter(record__in=versions).count(),
    }


def test_kept_on_the_last_day_of_retention(world: World, old_record: CreditRecord) -> None:
    before = _lineage_rows(old_record)
    assert before["records"] == 2
    assert before["evidence"] >= 2
    assert before["notices"] >= 1
    assert services.purge_expired_negative_information(today=date(2025, 6, 14)) == 0  # five years minus a day
    assert services.purge_expired_negative_information(today=date(2025, 6, 15)) == 0  # the last day
    assert _lineage_rows(old_record) == before


def test_removed_from_every_table_the_day_after(world: World, old_record: CreditRecord) -> None:
    lineage, subject_id = old_record.lineage, world.subject.pk
    ids = sorted(CreditRecord.objects.filter(lineage=lineage).values_list("pk", flat=True))
    assert services.purge_expired_negative_information(today=date(2025, 6, 16)) == 1  # five years plus a day
    assert _lineage_rows(old_record) == {"records": 0, "evidence": 0, "notices": 0, "changes": 0}
    entry = AuditEntry.objects.get(action="archives.record.purged")
    # Only identifiers remain, in the audit trail.
    assert entry.subject_ref == str(subject_id)
    assert entry.detail["lineage"] == str(lineage)
    assert entry.detail["records"] == ids
    assert "违规" not in str(entry.detail)
    # Safe to run twice.
    assert services.purge_expired_negative_information(today=date(2025, 6, 17)) == 0


def test_positive_and_recent_records_are_kept(world: World) -> None:
    with time_machine.travel(date(2020, 7, 1), tick=False):
        positive = services.draft_record(
            world.archive, by=world.edu_clerk, category=world.basic, polarity="positive", title="获奖",
            occurred_on=date(2020, 1, 1), decided_on=date(2020, 1, 2),
        )
    with time_machine.travel(date(2026, 5, 1), tick=False):
        recent = publish_negative(world, occurred_on=date(2026, 3, 2), decided_on=date(2026, 3, 20))
    assert services.purge_expired_negative_information(today=date(2026, 5, 1)) == 0
    assert CreditRecord.objects.filter(pk__in=[positive.pk, recent.pk]).count() == 2


def test_the_daily_task_runs_the_purge(world: World, old_record: CreditRecord) -> None:
    from archives.tasks import purge_retained_records

    with time_machine.travel(date(2025, 6, 16), tick=False):
        assert purge_retained_records.run() == 1
    assert not CreditRecord.objects.filter(lineage=old_record.lineage).exists()
