"""A negative version replaced by one that is not negative is deleted after its 5 years.

《征信业管理条例》 art. 16: "个人不良信息的保存期限，自不良行为或者事件终止之日起为5年；超过5年的，
应当予以删除". The nightly purge took a lineage by its version in force only: when an
upheld objection corrected a record to neutral, the negative version it replaced, and
the objection about it, were kept for good and shown in the person's history. They go
now, the day after their 5 years; the version in force stays, and so does a lineage
whose version in force is still negative, until that version's own 5 years are over.
"""

from __future__ import annotations

from datetime import date

import pytest
import time_machine

from archives import services as archive_services
from archives.models import CreditRecord, RecordChange
from credit_portal.models import AuditEntry
from exchange import delivery, reconcile, schema
from exchange.models import OutboxEvent, PlatformLedgerEntry
from repair import services
from repair.models import CaseEvent, CaseFile, Objection
from tests.archives.test_findings_check import _verify
from tests.repair.conftest import answer, pdf, publish

pytestmark = pytest.mark.django_db

DECIDED = date(2020, 6, 15)  # retention ends 2025-06-15: removed from 2025-06-16


def _corrected_to_neutral(world) -> tuple[CreditRecord, CreditRecord, Objection]:  # noqa: ANN001
    with time_machine.travel(date(2020, 11, 2), tick=False):
        negative = publish(world, decided_on=DECIDED, title="被更正的记录")
        case = services.file_objection(negative, by=world.citizen, reasons="并非不良行为", files=[pdf()])
        services.accept_objection(case, by=world.credit_office)
        case.refresh_from_db()
        answer(world, case, proposal="correct", reason="经核实不属于不良信息",
               changes={"polarity": "neutral", "severity": "", "is_penalty": False})
        services.conclude_objection(Objection.objects.get(pk=case.pk), by=world.credit_office, reason="异议成立")
    current = CreditRecord.objects.get(lineage=negative.lineage, is_current=True)
    assert current.polarity == CreditRecord.Polarity.NEUTRAL
    return negative, current, case


def test_the_replaced_negative_version_and_its_case_go_after_five_years(links, world) -> None:
    negative, current, case = _corrected_to_neutral(world)
    delivery.deliver_pending()
    assert archive_services.purge_expired_negative_information(today=date(2025, 6, 15)) == 0
    assert CreditRecord.objects.filter(pk=negative.pk).exists()  # the last day

    archive_services.purge_expired_negative_information(today=date(2025, 6, 16))
    assert list(CreditRecord.objects.filter(lineage=negative.lineage)) == [current]
    current.refresh_from_db()
    assert current.is_current
    assert current.supersedes_id is None
    assert not Objection.objects.filter(pk=case.pk).exists()
    assert not CaseEvent.objects.exists()
    assert not CaseFile.objects.exists()
    assert not RecordChange.objects.filter(record_id=negative.pk).exists()
    (entry,) = AuditEntry.objects.filter(action="archives.record.versions_purged")
    assert entry.detail["records"] == [negative.pk]
    assert "repair.objection" in entry.detail["rows"]

    # What the events carried of the deleted version and its case is blanked; the
    # version in force keeps its own.
    old = OutboxEvent.objects.get(event_type="record.published", aggregate_id=str(negative.pk))
    assert "title" not in old.payload
    assert all("reasons" not in e.payload and "subject_id" not in e.payload
               for e in OutboxEvent.objects.filter(aggregate_type="repair.objection"))
    kept = OutboxEvent.objects.get(event_type="record.corrected", aggregate_id=str(current.pk))
    assert kept.payload["title"] == "被更正的记录"
    event = OutboxEvent.objects.get(event_type="record.versions_purged")
    assert schema.problem(schema.envelope_for(event)) is None
    # The case check (repair.case_check) tells this deletion from a database writer's.
    assert "Every checked table matches" in _verify()

    # The embedded platform forgets the same, and deliveries still reconcile.
    delivery.deliver_pending()
    assert "title" not in PlatformLedgerEntry.objects.get(idempotency_key=old.pk).payload
    assert PlatformLedgerEntry.objects.get(idempotency_key=kept.pk).payload["title"] == "被更正的记录"
    result = reconcile.reconcile()
    assert result.ok, result
    assert not result.altered


def test_a_lineage_still_negative_keeps_its_earlier_versions_until_it_goes(links, world) -> None:
    """Its version in force, corrected to a later decision, is the same negative
    information: the version it replaced waits for it, then both go."""
    with time_machine.travel(date(2021, 4, 1), tick=False):
        first = publish(world, decided_on=DECIDED, title="一般失信")
        later = archive_services.correct_record(first, by=world.credit_office, reason="决定日期有误",
                                                decided_on=date(2021, 3, 1))
    assert later.is_negative
    archive_services.purge_expired_negative_information(today=date(2025, 6, 16))
    assert CreditRecord.objects.filter(lineage=first.lineage).count() == 2
    assert not AuditEntry.objects.filter(action="archives.record.versions_purged").exists()
    archive_services.purge_expired_negative_information(today=date(2026, 3, 2))
    assert not CreditRecord.objects.filter(lineage=first.lineage).exists()
