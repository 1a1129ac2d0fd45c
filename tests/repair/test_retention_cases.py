"""The 5-year retention purge (《征信业管理条例》 art. 16: "超过5年的，应当予以删除") reaches
records a person objected to or had repaired: the cases' links to the record are hidden
relations (``related_name="+"``), which the purge used to miss, and their PROTECT then
made the nightly purge fail for every such record, and for the records after it."""

from __future__ import annotations

from datetime import date

import pytest
import time_machine

from archives import services as archive_services
from archives.models import CreditRecord
from archives.services.retention import PurgeIncomplete
from credit_portal.models import AuditEntry
from repair import services
from repair.models import CaseEvent, CaseFile, Objection, PersonalStatement, Rating, RepairApplication
from tests.repair.conftest import answer, pdf, publish

pytestmark = pytest.mark.django_db

DECIDED = date(2020, 6, 15)  # retention ends 2025-06-15: removed from 2025-06-16


def _objected_and_repaired(links, world) -> tuple[CreditRecord, CreditRecord]:
    """One record objected to (answered, concluded "unverifiable", with a personal
    statement and a rating), one repaired through an application: all in 2020."""
    with time_machine.travel(date(2020, 11, 2), tick=False):
        objected = publish(world, decided_on=DECIDED, title="有异议的记录")
        case = services.file_objection(objected, by=world.citizen, reasons="不是我", files=[pdf()])
        services.accept_objection(case, by=world.credit_office)
        case.refresh_from_db()
        answer(world, case, proposal="unverifiable", reason="无法核实")
        services.conclude_objection(Objection.objects.get(pk=case.pk), by=world.credit_office, reason="无法核实")
        services.add_personal_statement(Objection.objects.get(pk=case.pk), by=world.citizen, text="本人声明")
        services.rate_case(Objection.objects.get(pk=case.pk), by=world.citizen, score=1, comment="太慢")
        repaired = publish(world, decided_on=DECIDED, title="已修复的记录", decision_number="示教罚〔2020〕2号")
        application = services.apply_for_repair(
            repaired, by=world.citizen, fulfilment="罚款已缴清", commitment_confirmed=True, proof=[pdf("paid.pdf")])
        services.accept_repair(application, by=world.credit_office)
        services.decide_repair(RepairApplication.objects.get(pk=application.pk), by=world.credit_office,
                               approve=True, reason="已履行")
    return objected, repaired


def test_records_with_cases_are_purged_with_their_cases(links, world) -> None:
    objected, repaired = _objected_and_repaired(links, world)
    assert CreditRecord.objects.get(lineage=repaired.lineage, is_current=True).state == "repaired"
    assert CaseFile.objects.exists()
    assert archive_services.purge_expired_negative_information(today=date(2025, 6, 15)) == 0  # the last day
    assert archive_services.purge_expired_negative_information(today=date(2025, 6, 16)) == 2
    assert not CreditRecord.objects.filter(lineage__in=[objected.lineage, repaired.lineage]).exists()
    for model in (Objection, RepairApplication, CaseEvent, CaseFile, PersonalStatement, Rating):
        assert not model.objects.exists(), model.__name__
    purged = AuditEntry.objects.filter(action="archives.record.purged")
    assert purged.count() == 2
    assert "repair.objection" in next(e.detail["rows"] for e in purged if e.detail["lineage"] == str(objected.lineage))


def test_a_lineage_that_cannot_be_purged_does_not_keep_the_others(links, world, monkeypatch) -> None:
    """One failure is logged and named; the other lineages go that same night."""
    from archives.services import retention

    with time_machine.travel(date(2020, 11, 2), tick=False):
        first = publish(world, decided_on=DECIDED, title="第一条")
        second = publish(world, decided_on=DECIDED, title="第二条", decision_number="示教罚〔2020〕3号")
    real = retention._delete_collected

    def failing(doomed):  # noqa: ANN001, ANN202
        if any(r.lineage == first.lineage for r in CreditRecord.objects.filter(pk__in=doomed[CreditRecord])):
            raise RuntimeError("a table the purge does not know")
        return real(doomed)

    monkeypatch.setattr(retention, "_delete_collected", failing)
    with pytest.raises(PurgeIncomplete) as refused:
        archive_services.purge_expired_negative_information(today=date(2025, 6, 16))
    assert refused.value.lineages == [str(first.lineage)]
    assert CreditRecord.objects.filter(lineage=first.lineage).exists()  # rolled back whole
    assert not CreditRecord.objects.filter(lineage=second.lineage).exists()
