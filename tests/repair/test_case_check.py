"""Objections and repair applications, checked against the audit trail: someone writing
to the database cannot turn a dismissed objection into an upheld one, move a deadline,
point a case at another record, hand it to another officer or delete it or its last
timeline step unseen (repair.case_check, run by manage.py verify_tables); what the
services, the official calendar, the demo and the two purges do passes."""

from __future__ import annotations

from datetime import date, timedelta
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from credit_portal import audit
from credit_portal.models import AuditEntry
from credit_portal.roles import Role
from credit_portal.trail_checks import ids_in
from repair import services
from repair.case_check import check_cases
from repair.models import CaseEvent, Objection, RepairApplication
from tests import factories as f
from tests.archives.test_findings_check import _problems, _verify
from tests.repair.conftest import answer, pdf, publish
from tests.repair.test_deadlines_law import _file, at

pytestmark = pytest.mark.django_db


def _dismissed(world, record) -> Objection:  # noqa: ANN001
    """An objection filed, accepted, answered "keep" with four eyes and dismissed."""
    case = services.file_objection(record, by=world.citizen, reasons="日期有误", files=[pdf()])
    services.accept_objection(case, by=world.credit_office)
    answer(world, Objection.objects.get(pk=case.pk), proposal="keep", reason="经核查无误")
    return services.conclude_objection(Objection.objects.get(pk=case.pk), by=world.credit_office, reason="维持")


def _accepted_application(world, record) -> RepairApplication:  # noqa: ANN001
    application = services.apply_for_repair(record, by=world.citizen, fulfilment="罚款已缴清",
                                            commitment_confirmed=True, proof=[pdf("paid.pdf")])
    return services.accept_repair(application, by=world.credit_office)


def test_cases_handled_through_the_services_and_the_demo_match(links, world) -> None:
    dismissed = _dismissed(world, publish(world))
    services.rate_case(Objection.objects.get(pk=dismissed.pk), by=world.citizen, score=2, comment="太慢")
    services.add_personal_statement(Objection.objects.get(pk=dismissed.pk), by=world.citizen, text="本人声明")
    application = _accepted_application(world, publish(world, decision_number="示教罚〔2025〕9号"))
    services.assign_case(application, officer=world.credit_office, by=world.credit_office)
    services.request_material(RepairApplication.objects.get(pk=application.pk), by=world.credit_office,
                              reason="缺缴款凭证")
    services.add_case_files(RepairApplication.objects.get(pk=application.pk), by=world.citizen, files=[pdf()])
    services.decide_repair(RepairApplication.objects.get(pk=application.pk), by=world.credit_office,
                           approve=True, reason="已履行")
    call_command("load_demo_data", stdout=StringIO())  # its overdue case is moved back in time as a whole
    out = _verify()
    assert "repair cases:" in out
    assert "Every checked table matches" in out
    entry = AuditEntry.objects.filter(action="repair.objection.concluded").latest("sequence")
    assert entry.detail["case"]["state"] == "dismissed"
    assert "日期有误" not in str(entry.detail)  # the texts only as their digest


def test_a_dismissed_objection_made_upheld_is_named(links, world, record) -> None:
    case = _dismissed(world, record)
    Objection.objects.filter(pk=case.pk).update(state=Objection.State.UPHELD, result="withdrawn")
    message = _problems()
    assert f"objection {case.pk} ({case.reference}) differs in the state (recorded dismissed, now upheld)" in message
    assert "result (recorded unchanged, now withdrawn)" in message


def test_a_moved_deadline_another_record_or_another_officer_is_named(links, world, record, officer2) -> None:
    application = _accepted_application(world, record)
    other = publish(world, decision_number="示教罚〔2025〕8号")
    later = application.decide_due + timedelta(days=30)
    RepairApplication.objects.filter(pk=application.pk).update(decide_due=later, record=other,
                                                               assigned_to=officer2)
    message = _problems()
    assert f"application {application.pk} ({application.reference}) differs in" in message
    assert f"the conclusion deadline (recorded {application.decide_due.isoformat()}, now {later.isoformat()})" in (
        message)
    assert f"the credit record (recorded {record.pk}, now {other.pk})" in message
    assert f"the officer in charge (recorded None, now {officer2.pk})" in message


def test_the_written_answer_changed_in_the_database_is_named(links, world, record) -> None:
    case = _dismissed(world, record)
    with connection.cursor() as cursor:
        cursor.execute("UPDATE repair_objection SET conclusion = %s WHERE id = %s", ["异议成立", case.pk])
    assert f"objection {case.pk} ({case.reference}) differs in the written texts" in _problems()


def test_a_cases_last_timeline_step_deleted_or_one_slipped_in_is_named(links, world, record) -> None:
    case = _dismissed(world, record)
    last = CaseEvent.objects.filter(objection=case).latest("at", "id")
    assert last.action == "concluded"
    CaseEvent.objects.filter(pk=last.pk).delete()
    message = _problems()
    assert f"its timeline step {last.pk} (concluded) is missing" in message
    assert "its timeline (recorded 5 steps, now 4)" in message
    CaseEvent.objects.create(objection=case, action="concluded", note="异议成立", at=timezone.now())
    message = _problems()
    assert f"its timeline step {last.pk} (concluded) is missing" in message
    assert "its timeline (recorded" not in message  # the count matches again, the step named is still gone


def test_a_case_deleted_in_the_database_is_named(links, world, record) -> None:
    application = _accepted_application(world, record)
    with connection.cursor() as cursor:  # past the application: no signal, no entry
        for table in ("repair_caseevent", "repair_casefile"):
            cursor.execute(f"DELETE FROM {table} WHERE application_id = %s", [application.pk])  # noqa: S608
        cursor.execute("DELETE FROM repair_repairapplication WHERE id = %s", [application.pk])
    assert f"application {application.pk} is missing" in _problems()


def test_an_untouched_database_passes_and_the_check_reads_in_one_pass(links, world, django_assert_num_queries) -> None:
    records = [publish(world, decision_number=f"示教罚〔2025〕{n}号") for n in range(1, 11)]
    _dismissed(world, records[0])
    _accepted_application(world, records[1])
    # The deletion entries, the carried entries of each kind (2), the case entries with the
    # calendar's, their timeline steps (one batch), each kind's rows with their step counts (2).
    with django_assert_num_queries(7):
        assert check_cases().ok
    for other in records[2:6]:
        _dismissed(world, other)
    for other in records[6:]:
        _accepted_application(world, other)
    with django_assert_num_queries(7):
        result = check_cases()
    assert result.ok, result.problems
    assert result.entries == 5 * 5 + 5 * 2


def test_deadlines_the_official_calendar_moves_still_match(links, world, record) -> None:
    objection = _file(record, world, date(2026, 12, 30))
    assert objection.accept_due == date(2027, 1, 1)
    from credit_portal import workdays

    with at(date(2026, 12, 30)):
        workdays.enter_official_year(
            year=2027, holidays=[(date(2027, 1, 1), "元旦")], workdays=[(date(2027, 1, 2), "测试调休")],
            source="国务院办公厅关于2027年部分节假日安排的通知（测试）", by=world.credit_office,
        )
    assert Objection.objects.get(pk=objection.pk).accept_due == date(2027, 1, 2)
    assert "Every checked table matches" in _verify()
    Objection.objects.filter(pk=objection.pk).update(accept_due=date(2027, 1, 8))
    assert "the acceptance deadline (recorded 2027-01-02, now 2027-01-08)" in _problems()


def test_cases_deleted_with_their_record_by_the_retention_purge_pass(links, world) -> None:
    from archives import services as archive_services

    with time_machine.travel(date(2020, 11, 2), tick=False):
        record = publish(world, decided_on=date(2020, 6, 15), title="有异议的记录")
        _dismissed(world, record)
    assert archive_services.purge_expired_negative_information(today=date(2025, 6, 16)) == 1
    assert not Objection.objects.exists()
    assert AuditEntry.objects.filter(action="repair.objection.deleted").count() == 1
    assert "Every checked table matches" in _verify()


def test_an_objection_deleted_with_the_negative_version_it_corrected_passes(links, world) -> None:
    """The corrected negative version goes after its 5 years, its objection with it (the
    version in force stays): the case's deletion is recorded, not named missing."""
    from archives import services as archive_services
    from tests.repair.test_retention_versions import _corrected_to_neutral

    _negative, _current, case = _corrected_to_neutral(world)
    archive_services.purge_expired_negative_information(today=date(2025, 6, 16))
    assert not Objection.objects.filter(pk=case.pk).exists()
    assert AuditEntry.objects.filter(action="repair.objection.deleted", object_id=str(case.pk)).exists()
    assert "Every checked table matches" in _verify()


def test_cases_past_the_trails_retention_are_carried_and_still_checked(long_ago, links, world, settings) -> None:
    """The trail keeps its entries 184 days, the cases for years: the purge carries the
    concluded ones in bulk and gives each open one a fresh entry; a case the 5-year
    purge deletes later leaves the next carry instead of being named missing for ever."""
    from archives import services as archive_services
    from credit_portal.audit_anchor import purge_expired

    auditor = f.make_user("the-auditor", roles=(Role.AUDITOR,), is_staff=True)
    with time_machine.travel(date(2020, 11, 2), tick=False):
        old = publish(world, decided_on=date(2020, 6, 15), title="有异议的记录")
        dismissed = _dismissed(world, old)
        still_open = services.file_objection(publish(world, decided_on=date(2020, 6, 20), title="另一条记录",
                                                     decision_number="示教罚〔2020〕3号"),
                                             by=world.citizen, reasons="不是我")
        audit.chain_pending()
    long_ago()
    with time_machine.travel(timezone.now() - timedelta(days=settings.AUDIT_RETENTION_DAYS + 10)):
        assert purge_expired(by=auditor) is not None
    assert not AuditEntry.objects.filter(action="repair.objection.concluded").exists()
    (first,) = AuditEntry.objects.filter(action="repair.objection.carried")
    assert first.detail["count"] == 1
    kept = AuditEntry.objects.get(action="repair.objection.carried_forward")
    assert kept.object_id == str(still_open.pk)
    assert "Every checked table matches" in _verify()

    # The carried case flipped, and the open one's deadline moved: both named.
    Objection.objects.filter(pk=dismissed.pk).update(state=Objection.State.UPHELD)
    Objection.objects.filter(pk=still_open.pk).update(accept_due=date(2030, 1, 1))
    message = _problems()
    assert "the objection rows it carries (ids" in message
    assert f"objection {still_open.pk} ({still_open.reference}) differs in the acceptance deadline" in message
    Objection.objects.filter(pk=dismissed.pk).update(state=Objection.State.DISMISSED)
    Objection.objects.filter(pk=still_open.pk).update(accept_due=still_open.accept_due)
    assert "Every checked table matches" in _verify()

    # The 5-year purge deletes the dismissed case with its record, then the next trail purge.
    assert archive_services.purge_expired_negative_information(today=date(2025, 6, 16)) == 1
    assert not Objection.objects.filter(pk=dismissed.pk).exists()
    assert "Every checked table matches" in _verify()
    assert purge_expired(by=auditor) is not None
    assert all(dismissed.pk not in ids_in(entry.detail["ranges"])
               for entry in AuditEntry.objects.filter(action="repair.objection.carried"))
    assert AuditEntry.objects.filter(action="repair.objection.carried_forward").count() == 1  # carried again
    assert "Every checked table matches" in _verify()


def _backdate(record) -> None:  # noqa: ANN001
    """The insider's one UPDATE: the record's decision day (and conduct day) five years
    back, a column no seal covers and from which the 5-year retention purge counts."""
    with connection.cursor() as cursor:
        cursor.execute("UPDATE archives_creditrecord SET decided_on = %s, occurred_on = %s WHERE id = %s",
                       ["2015-01-05", "2015-01-01", record.pk])


def test_a_recent_upheld_objection_purged_through_a_backdated_record_is_named(links, world) -> None:
    """An insider moved the decision day of a negative version, corrected a month ago by
    an upheld objection, back five years: the nightly versions purge took the version and
    the objection with it, and the case's deletion entry passed as lawful. Each entry now
    records the record's decision day, the deletion entry the one it had when the case
    went: the move is named while the case is there, and after the purge the deletion
    names the day changed from what the case's last step recorded."""
    from archives import services as archive_services
    from archives.models import CreditRecord

    negative = publish(world, title="被更正的记录")
    decided = negative.decided_on.isoformat()
    case = services.file_objection(negative, by=world.citizen, reasons="并非不良行为", files=[pdf()])
    services.accept_objection(case, by=world.credit_office)
    answer(world, Objection.objects.get(pk=case.pk), proposal="correct", reason="经核实不属于不良信息",
           changes={"polarity": "neutral", "severity": "", "is_penalty": False})
    services.conclude_objection(Objection.objects.get(pk=case.pk), by=world.credit_office, reason="异议成立")
    assert AuditEntry.objects.filter(action="repair.objection.concluded").latest("sequence").detail["case"][
        "record_decided_on"] == decided
    assert "Every checked table matches" in _verify()

    _backdate(negative)
    assert (f"objection {case.pk} ({case.reference}) differs in the record's decision day "
            f"(recorded {decided}, now 2015-01-05)") in _problems()

    archive_services.purge_expired_negative_information(today=timezone.localdate())
    assert not Objection.objects.filter(pk=case.pk).exists()  # the upheld objection, a month old, went
    assert CreditRecord.objects.filter(lineage=negative.lineage).count() == 1  # the corrected version stays
    deletion = AuditEntry.objects.get(action="repair.objection.deleted", object_id=str(case.pk))
    assert deletion.detail["record_decided_on"] == "2015-01-05"
    assert (f"objection {case.pk} ({case.reference}): the record's decision day changed from {decided} to "
            "2015-01-05 before the case was deleted") in _problems()


def test_a_case_carried_in_bulk_then_purged_through_a_backdated_record_is_named(long_ago, links, world,
                                                                                settings) -> None:
    """The same insider, against a concluded case whose entries the trail's purge already
    replaced by a carried entry (no step entry left to compare with): the carried digest
    covers the record's decision day from carry version 2, so the moved day is named
    while the case is there and, through the deletion entry's digest, after the 5-year
    purge deleted record and case."""
    from archives import services as archive_services
    from credit_portal.audit_anchor import purge_expired

    auditor = f.make_user("the-auditor", roles=(Role.AUDITOR,), is_staff=True)
    with time_machine.travel(date(2020, 11, 2), tick=False):
        record = publish(world, decided_on=date(2020, 10, 1), title="有异议的记录")
        dismissed = _dismissed(world, record)
        audit.chain_pending()
    long_ago()
    with time_machine.travel(timezone.now() - timedelta(days=settings.AUDIT_RETENTION_DAYS + 10)):
        assert purge_expired(by=auditor) is not None
    (carried,) = AuditEntry.objects.filter(action="repair.objection.carried")
    assert carried.detail["compared"] == 2
    assert "Every checked table matches" in _verify()

    _backdate(record)
    assert "the objection rows it carries (ids" in _problems()
    assert archive_services.purge_expired_negative_information(today=date(2025, 6, 16)) == 1
    assert not Objection.objects.filter(pk=dismissed.pk).exists()
    assert f"the objection rows it carries (ids {dismissed.pk}–{dismissed.pk})" in _problems()


def _open_case_changed_after_the_plan(world, settings, monkeypatch, long_ago, **change: object) -> Objection:  # noqa: ANN001
    """An objection filed long ago and still open; the trail's purge runs, and after its
    table check and bulk plan (before the carry) an insider writes ``change`` to the row."""
    from credit_portal import trail_checks
    from credit_portal.audit_anchor import purge_expired

    auditor = f.make_user("the-auditor", roles=(Role.AUDITOR,), is_staff=True)
    with time_machine.travel(date(2020, 11, 2), tick=False):
        still_open = services.file_objection(publish(world, decided_on=date(2020, 6, 20), title="另一条记录"),
                                             by=world.citizen, reasons="不是我", files=[pdf()])
        audit.chain_pending()
    long_ago()
    plan = trail_checks.plan_bulk_carry

    def plan_then_insider(through: int) -> list:
        planned = plan(through)
        Objection.objects.filter(pk=still_open.pk).update(**change)
        return planned

    monkeypatch.setattr(trail_checks, "plan_bulk_carry", plan_then_insider)
    with time_machine.travel(timezone.now() - timedelta(days=settings.AUDIT_RETENTION_DAYS + 10)):
        assert purge_expired(by=auditor) is not None
    return still_open


def test_an_open_case_changed_after_the_purges_plan_stays_named(long_ago, links, world, settings,
                                                                monkeypatch) -> None:
    """An insider moved an open objection's acceptance deadline after the table check and
    the bulk plan, before the purge's carry: the carry left the case out, its entries
    were purged and verify_tables no longer checked it. The carry now restates what the
    trail vouched for, not the row, so the moved deadline is named after the purge."""
    still_open = _open_case_changed_after_the_plan(world, settings, monkeypatch, long_ago,
                                                   accept_due=date(2030, 1, 1))
    assert not AuditEntry.objects.filter(action="repair.objection.filed").exists()
    kept = AuditEntry.objects.get(action="repair.objection.carried_forward")
    assert kept.detail["case"]["accept_due"] == still_open.accept_due.isoformat()  # what the trail knew
    assert (f"objection {still_open.pk} ({still_open.reference}) differs in the acceptance deadline "
            f"(recorded {still_open.accept_due.isoformat()}, now 2030-01-01)") in _problems()


def test_an_open_case_concluded_after_the_purges_plan_stays_named(long_ago, links, world, settings,
                                                                  monkeypatch) -> None:
    """The insider instead marks the open objection dismissed after the plan (which left
    it out as open): the carry picks the cases the trail knows as open, not the rows open
    now, so it is carried as filed and named."""
    still_open = _open_case_changed_after_the_plan(world, settings, monkeypatch, long_ago,
                                                   state=Objection.State.DISMISSED)
    assert AuditEntry.objects.get(action="repair.objection.carried_forward").object_id == str(still_open.pk)
    assert f"objection {still_open.pk} ({still_open.reference}) differs in the state" in _problems()
