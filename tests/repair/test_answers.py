"""The department's answer to an objection: drafted by one member, signed by another
reviewer of the department (four eyes), once per round, correcting any field of the
record (dates included); the credit office may send it back for more work (补正)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse

from archives.models import CreditRecord
from credit_portal.exceptions import TransitionNotAllowed
from credit_portal.models import AuditEntry
from repair import services
from repair.models import CaseEvent, Objection
from tests.repair.conftest import english_client, pdf

pytestmark = pytest.mark.django_db


@pytest.fixture
def accepted(links, record, world) -> Objection:
    objection = services.file_objection(record, by=world.citizen, reasons="处罚决定书的日期写错了", files=[pdf()])
    return services.accept_objection(objection, by=world.credit_office)


def _unchanged(objection: Objection, **expected: object) -> None:
    objection.refresh_from_db()
    for name, value in expected.items():
        assert getattr(objection, name) == value, name


# --- the four-eyes matrix ----------------------------------------------------------------------

def test_clerk_alone_drafts_but_cannot_sign(accepted, world) -> None:
    services.draft_answer(accepted, by=world.edu_clerk, proposal="keep", reason="记录属实")
    with pytest.raises(PermissionDenied, match="Only a reviewer"):
        services.sign_answer(accepted, by=world.edu_clerk)
    _unchanged(accepted, state=Objection.State.VERIFYING, proposed_by=None)


def test_reviewer_alone_cannot_sign_their_own_draft(accepted, world) -> None:
    services.draft_answer(accepted, by=world.edu_reviewer, proposal="keep", reason="记录属实")
    with pytest.raises(PermissionDenied, match="another reviewer"):
        services.sign_answer(accepted, by=world.edu_reviewer)
    _unchanged(accepted, state=Objection.State.VERIFYING, proposed_by=None)


def test_the_same_person_redrafting_and_signing_is_refused(accepted, world) -> None:
    # The clerk drafts, the reviewer replaces the draft, then tries to sign it.
    services.draft_answer(accepted, by=world.edu_clerk, proposal="keep", reason="记录属实")
    services.draft_answer(accepted, by=world.edu_reviewer, proposal="withdraw", reason="应撤销")
    with pytest.raises(PermissionDenied, match="another reviewer"):
        services.sign_answer(accepted, by=world.edu_reviewer)
    _unchanged(accepted, state=Objection.State.VERIFYING)


def test_two_people_answer(accepted, world) -> None:
    services.draft_answer(accepted, by=world.edu_reviewer, proposal="keep", reason="记录属实")
    signed = services.sign_answer(accepted, by=world.edu_reviewer2)
    assert signed.state == Objection.State.PROPOSED
    assert (signed.drafted_by, signed.proposed_by) == (world.edu_reviewer, world.edu_reviewer2)
    assert AuditEntry.objects.filter(action="repair.objection.proposed", actor=world.edu_reviewer2).exists()


def test_another_department_and_the_credit_office_cannot_draft_or_sign(accepted, world) -> None:
    for outsider in (world.health_reviewer, world.health_clerk, world.credit_office, world.citizen):
        with pytest.raises(PermissionDenied):
            services.draft_answer(accepted, by=outsider, proposal="keep", reason="r")
    services.draft_answer(accepted, by=world.edu_clerk, proposal="keep", reason="记录属实")
    for outsider in (world.health_reviewer, world.credit_office, world.citizen):
        with pytest.raises(PermissionDenied):
            services.sign_answer(accepted, by=outsider)
    _unchanged(accepted, state=Objection.State.VERIFYING, proposed_by=None)


def test_signing_without_a_draft_is_refused(accepted, world) -> None:
    with pytest.raises(TransitionNotAllowed, match="no drafted answer"):
        services.sign_answer(accepted, by=world.edu_reviewer)


def test_the_database_refuses_a_self_signed_answer(accepted, world) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        Objection.objects.filter(pk=accepted.pk).update(drafted_by=world.edu_reviewer, proposed_by=world.edu_reviewer)


# --- one answer per round ----------------------------------------------------------------------

def test_a_second_draft_replaces_the_first(accepted, world) -> None:
    services.draft_answer(accepted, by=world.edu_clerk, proposal="keep", reason="第一稿")
    services.draft_answer(accepted, by=world.edu_clerk, proposal="withdraw", reason="第二稿")
    accepted.refresh_from_db()
    assert (accepted.proposal, accepted.proposal_reason) == ("withdraw", "第二稿")
    assert CaseEvent.objects.filter(objection=accepted, action="answer_drafted").count() == 2  # history, one answer


def test_a_second_answer_in_the_same_round_is_refused_and_changes_nothing(accepted, world) -> None:
    services.draft_answer(accepted, by=world.edu_clerk, proposal="keep", reason="记录属实")
    services.sign_answer(accepted, by=world.edu_reviewer)
    with pytest.raises(TransitionNotAllowed, match="already answered in this round"):
        services.draft_answer(accepted, by=world.edu_clerk, proposal="withdraw", reason="改主意")
    with pytest.raises(TransitionNotAllowed, match="already answered in this round"):
        services.sign_answer(accepted, by=world.edu_reviewer2)
    _unchanged(accepted, state=Objection.State.PROPOSED, proposal="keep", proposal_reason="记录属实",
               proposed_by=world.edu_reviewer)


def test_send_back_for_more_work_opens_the_next_round(accepted, world) -> None:
    services.draft_answer(accepted, by=world.edu_clerk, proposal="keep", reason="记录属实")
    services.sign_answer(accepted, by=world.edu_reviewer)
    with pytest.raises(ValidationError):
        services.send_back_answer(accepted, by=world.credit_office, reason=" ")
    for outsider in (world.edu_reviewer, world.citizen):
        with pytest.raises(PermissionDenied):
            services.send_back_answer(accepted, by=outsider, reason="请补充核查依据")
    _unchanged(accepted, state=Objection.State.PROPOSED, answer_round=1)
    due = accepted.decide_due
    back = services.send_back_answer(accepted, by=world.credit_office, reason="请补充核查依据")
    assert (back.state, back.answer_round, back.sent_back_reason) == (Objection.State.VERIFYING, 2, "请补充核查依据")
    assert back.proposal == ""
    assert back.drafted_by is None
    assert back.proposed_by is None
    assert back.decide_due == due  # art. 25 counts from the filing: sending back does not move it
    with pytest.raises(TransitionNotAllowed):
        services.conclude_objection(back, by=world.credit_office, reason="r")
    services.draft_answer(back, by=world.edu_clerk, proposal="withdraw", reason="补正：决定已撤销")
    services.sign_answer(back, by=world.edu_reviewer)
    concluded = services.conclude_objection(back, by=world.credit_office, reason="撤销该记录")
    assert concluded.state == Objection.State.UPHELD
    assert concluded.result == "withdrawn"


def test_only_a_signed_answer_can_be_sent_back(accepted, world) -> None:
    services.draft_answer(accepted, by=world.edu_clerk, proposal="keep", reason="记录属实")
    with pytest.raises(TransitionNotAllowed, match="signed"):
        services.send_back_answer(accepted, by=world.credit_office, reason="r")


# --- every field, dates included ---------------------------------------------------------------

def test_the_answer_corrects_dates_and_any_other_field(accepted, world, record) -> None:
    decided = record.decided_on - timedelta(days=3)
    occurred = record.occurred_on - timedelta(days=3)
    services.draft_answer(accepted, by=world.edu_clerk, proposal="correct", reason="决定日期笔误", changes={
        "decided_on": decided, "occurred_on": occurred, "deciding_body": "示范市教育局（更正）", "is_penalty": False,
        "title": record.title,  # unchanged values are not part of the correction
    })
    accepted.refresh_from_db()
    assert accepted.proposed_changes == {
        "decided_on": decided.isoformat(), "occurred_on": occurred.isoformat(),
        "deciding_body": "示范市教育局（更正）", "is_penalty": False,
    } if record.is_penalty else {
        "decided_on": decided.isoformat(), "occurred_on": occurred.isoformat(), "deciding_body": "示范市教育局（更正）",
    }
    services.sign_answer(accepted, by=world.edu_reviewer)
    services.conclude_objection(accepted, by=world.credit_office, reason="已更正日期")
    current = CreditRecord.objects.get(lineage=record.lineage, is_current=True)
    assert (current.decided_on, current.occurred_on, current.version) == (decided, occurred, 2)
    assert current.display_until != record.display_until  # the display period follows the corrected date


def test_an_impossible_correction_is_refused_at_drafting(accepted, world, record) -> None:
    with pytest.raises(ValidationError) as excinfo:
        services.draft_answer(accepted, by=world.edu_clerk, proposal="correct", reason="r",
                              changes={"occurred_on": record.decided_on + timedelta(days=1)})
    assert "decided_on" in excinfo.value.error_dict
    with pytest.raises(ValidationError):
        services.draft_answer(accepted, by=world.edu_clerk, proposal="correct", reason="r",
                              changes={"title": record.title})  # nothing differs
    _unchanged(accepted, drafted_by=None, proposal="")


# --- through the pages -------------------------------------------------------------------------

def test_pages_offer_drafting_to_members_and_signing_only_to_another_reviewer(accepted, world) -> None:
    url = reverse("repair:case", args=["objection", accepted.pk])
    sign = reverse("repair:sign_answer", args=[accepted.pk])
    draft = reverse("repair:draft_answer", args=[accepted.pk])
    client = english_client(world.edu_clerk)
    page = client.get(url).content.decode()
    assert draft in page
    assert sign not in page
    response = client.post(draft, {
        "proposal": "correct", "reason": "决定日期笔误",
        "decided_on_year": "2026", "decided_on_month": "2", "decided_on_day": "30",
    })
    assert response.status_code == 200
    assert "Date of the decision must be a real date" in response.content.decode()
    _unchanged(accepted, drafted_by=None)
    client.post(draft, {"proposal": "keep", "reason": "记录属实"})
    assert sign not in client.get(url).content.decode()  # a clerk never signs
    assert client.post(sign).status_code == 403
    client = english_client(world.edu_reviewer)
    assert sign in client.get(url).content.decode()
    client.post(sign)
    _unchanged(accepted, state=Objection.State.PROPOSED, proposed_by=world.edu_reviewer)
    # The round is signed: neither drafting nor signing is offered any more.
    page = client.get(url).content.decode()
    assert draft not in page
    assert sign not in page
    client = english_client(world.credit_office)
    page = client.get(url).content.decode()
    assert reverse("repair:send_back", args=["objection", accepted.pk]) in page
    response = client.post(reverse("repair:send_back", args=["objection", accepted.pk]), {"reason": ""})
    assert "Give the reason" in response.content.decode()
    client.post(reverse("repair:send_back", args=["objection", accepted.pk]), {"reason": "请补充核查依据"})
    _unchanged(accepted, state=Objection.State.VERIFYING, answer_round=2)
