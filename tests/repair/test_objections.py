"""Objections: every transition and every refusal, and bad input."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from archives import services as archive_services
from archives.models import CreditRecord, Notice
from archives.selectors import records_visible_to
from credit_portal.exceptions import TransitionNotAllowed
from credit_portal.models import AuditEntry
from exchange.models import OutboxEvent
from exchange.schema import envelope_for, problem
from repair import selectors, services
from repair.models import CaseFile, Objection
from tests import factories as f
from tests.repair.conftest import answer, pdf, publish

pytestmark = pytest.mark.django_db


def _through_verification(record, world, **proposal):
    objection = services.file_objection(record, by=world.citizen, reasons="处罚对象不是我", files=[pdf()])
    objection = services.accept_objection(objection, by=world.credit_office)
    return answer(world, objection, **proposal)


def test_filing_flags_the_record_at_once_and_notifies(links, record, world) -> None:
    objection = services.file_objection(record, by=world.citizen, reasons="处罚对象不是我", files=[pdf()])
    record.refresh_from_db()
    assert record.under_objection
    assert objection.state == Objection.State.SUBMITTED
    assert objection.accept_due is not None
    assert objection.files.get().kind == CaseFile.Kind.EVIDENCE
    assert Notice.objects.filter(subject=world.subject, kind=Notice.Kind.CASE_UPDATE).count() == 1
    assert OutboxEvent.objects.filter(event_type="record.objection_flagged").count() == 1
    assert AuditEntry.objects.filter(action="repair.objection.filed", object_id=str(objection.pk)).exists()


def test_correction_outcome_creates_a_new_version_and_clears_the_flag(links, record, world) -> None:
    objection = _through_verification(
        record, world, proposal="correct", reason="经核查，处罚决定文号有误", changes={"decision_number": "示教罚〔2026〕21号"}
    )
    concluded = services.conclude_objection(objection, by=world.credit_office, reason="已更正文号")
    assert concluded.state == Objection.State.UPHELD
    assert concluded.result == "corrected"
    new = CreditRecord.objects.get(lineage=record.lineage, is_current=True)
    assert new.version == 2
    assert new.decision_number == "示教罚〔2026〕21号"
    assert not new.under_objection
    assert concluded.resulting_record == new
    record.refresh_from_db()
    assert record.state == CreditRecord.State.CORRECTED
    # The department still sees both versions; the event fits the exchange schema.
    assert records_visible_to(world.edu_reviewer).filter(lineage=record.lineage).count() == 2
    event = OutboxEvent.objects.get(event_type="objection.concluded")
    assert problem(envelope_for(event)) is None
    assert event.payload["result"] == "corrected"
    assert "id_number" not in str(event.payload)
    steps = list(concluded.events.values_list("action", flat=True))
    assert steps == ["filed", "accepted", "answer_drafted", "proposed", "concluded"]


def test_withdraw_outcome(links, record, world) -> None:
    objection = _through_verification(record, world, proposal="withdraw", reason="处罚决定已被撤销")
    services.conclude_objection(objection, by=world.credit_office, reason="撤销")
    record.refresh_from_db()
    assert record.state == CreditRecord.State.WITHDRAWN
    assert not record.under_objection


def test_keep_outcome_dismisses_and_leaves_the_record(links, record, world) -> None:
    objection = _through_verification(record, world, proposal="keep", reason="核查属实")
    concluded = services.conclude_objection(objection, by=world.credit_office, reason="记录属实")
    record.refresh_from_db()
    assert concluded.state == Objection.State.DISMISSED
    assert record.state == CreditRecord.State.PUBLISHED
    assert not record.under_objection


def test_unverifiable_outcome_allows_one_personal_statement(links, record, world) -> None:
    objection = _through_verification(record, world, proposal="unverifiable", reason="原始材料缺失，无法核实")
    concluded = services.conclude_objection(objection, by=world.credit_office, reason="无法核实")
    assert concluded.state == Objection.State.UNVERIFIABLE
    assert selectors.statement_for(record) is None
    services.add_personal_statement(concluded, by=world.citizen, text="本人当日不在该校任职。")
    assert selectors.statement_for(record).text == "本人当日不在该校任职。"
    with pytest.raises(TransitionNotAllowed):
        services.add_personal_statement(concluded, by=world.citizen, text="再次声明")


def test_refusal_needs_a_reason_and_clears_the_flag(links, record, world) -> None:
    objection = services.file_objection(record, by=world.citizen, reasons="不服")
    with pytest.raises(ValidationError):
        services.refuse_objection(objection, by=world.credit_office, reason="  ")
    refused = services.refuse_objection(objection, by=world.credit_office, reason="未提出具体理由")
    record.refresh_from_db()
    assert refused.state == Objection.State.REFUSED
    assert not record.under_objection
    assert problem(envelope_for(OutboxEvent.objects.get(event_type="objection.concluded"))) is None


def test_objection_on_someone_elses_record_is_refused(links, record, world) -> None:
    stranger = f.make_user("stranger")
    with pytest.raises(PermissionDenied):
        services.file_objection(record, by=stranger, reasons="x")
    record.refresh_from_db()
    assert not record.under_objection
    assert not Objection.objects.exists()


def test_second_open_objection_is_refused(links, record, world) -> None:
    services.file_objection(record, by=world.citizen, reasons="一")
    with pytest.raises(TransitionNotAllowed):
        services.file_objection(record, by=world.citizen, reasons="二")
    assert Objection.objects.count() == 1


def test_evidence_failing_the_checks_refuses_the_whole_filing(links, record, world) -> None:
    fake = SimpleUploadedFile("proof.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf")
    with pytest.raises(ValidationError):
        services.file_objection(record, by=world.citizen, reasons="x", files=[fake])
    record.refresh_from_db()
    assert not record.under_objection
    assert not Objection.objects.exists()


def test_objection_only_on_published_current_records(links, world) -> None:
    draft = __import__("archives").services.draft_record(world.archive, by=world.edu_clerk, **_neg(world))
    with pytest.raises(TransitionNotAllowed):
        services.file_objection(draft, by=world.citizen, reasons="x")


def _neg(world):
    from tests.archives.conftest import negative_data

    return negative_data(world)


def test_acting_on_a_concluded_case_is_refused(links, record, world) -> None:
    objection = _through_verification(record, world, proposal="keep", reason="属实")
    concluded = services.conclude_objection(objection, by=world.credit_office, reason="属实")
    for call in (
        lambda: services.conclude_objection(concluded, by=world.credit_office, reason="again"),
        lambda: services.accept_objection(concluded, by=world.credit_office),
        lambda: services.refuse_objection(concluded, by=world.credit_office, reason="r"),
        lambda: services.draft_answer(concluded, by=world.edu_clerk, proposal="withdraw", reason="r"),
    ):
        with pytest.raises(TransitionNotAllowed, match="already concluded"):
            call()
    record.refresh_from_db()
    assert record.state == CreditRecord.State.PUBLISHED


def test_only_the_credit_office_accepts_and_only_the_source_department_proposes(links, record, world) -> None:
    objection = services.file_objection(record, by=world.citizen, reasons="x")
    for outsider in (world.edu_reviewer, world.citizen):
        with pytest.raises(PermissionDenied):
            services.accept_objection(objection, by=outsider)
    accepted = services.accept_objection(objection, by=world.credit_office)
    with pytest.raises(PermissionDenied):
        services.draft_answer(accepted, by=world.health_reviewer, proposal="keep", reason="r")
    with pytest.raises(ValidationError):
        services.draft_answer(accepted, by=world.edu_reviewer, proposal="correct", reason="r", changes={})


def test_proposal_before_acceptance_and_conclusion_before_proposal_are_refused(links, record, world) -> None:
    objection = services.file_objection(record, by=world.citizen, reasons="x")
    with pytest.raises(TransitionNotAllowed):
        services.draft_answer(objection, by=world.edu_reviewer, proposal="keep", reason="r")
    accepted = services.accept_objection(objection, by=world.credit_office)
    with pytest.raises(TransitionNotAllowed):
        services.conclude_objection(accepted, by=world.credit_office, reason="r")


def test_assigned_case_is_handled_only_by_its_officer_or_a_supervisor(
    links, record, world, officer2, supervisor
) -> None:
    objection = services.file_objection(record, by=world.citizen, reasons="x")
    with pytest.raises(PermissionDenied):
        services.assign_case(objection, officer=officer2, by=world.credit_office)  # not a supervisor
    services.assign_case(objection, officer=officer2, by=supervisor)
    objection.refresh_from_db()
    with pytest.raises(PermissionDenied, match="assigned"):
        services.accept_objection(objection, by=world.credit_office)
    services.accept_objection(objection, by=officer2)
    objection.refresh_from_db()
    answer(world, objection, proposal="keep", reason="属实")
    services.conclude_objection(objection, by=supervisor, reason="属实")  # supervisor may act


def test_an_officer_may_take_an_unassigned_case(links, record, world, officer2) -> None:
    objection = services.file_objection(record, by=world.citizen, reasons="x")
    services.assign_case(objection, officer=officer2, by=officer2)
    objection.refresh_from_db()
    with pytest.raises(PermissionDenied):
        services.assign_case(objection, officer=world.credit_office, by=world.credit_office)


def test_corrected_record_during_open_objection_is_concluded_on_the_current_version(links, world) -> None:
    record = publish(world)
    objection = _through_verification(record, world, proposal="withdraw", reason="撤销")
    # The department corrects the record meanwhile: proposed by one person, approved by another.
    change = archive_services.propose_correction(record, by=world.edu_clerk, reason="文字", title="新")
    archive_services.approve_change(change, by=world.edu_reviewer)
    services.conclude_objection(objection, by=world.credit_office, reason="撤销")
    current = CreditRecord.objects.get(lineage=record.lineage, is_current=True)
    assert current.state == CreditRecord.State.WITHDRAWN
    assert current.version == 2
