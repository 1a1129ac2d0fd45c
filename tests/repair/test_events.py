"""Every step of an objection or a repair application emits one outbox event
(DESIGN §9): ``objection.updated`` / ``repair.updated`` with the step, the new state,
the record and the deadlines, valid against docs/exchange/schema-v1.json; a step that
is refused or rolled back emits nothing."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db import transaction

from credit_portal.exceptions import TransitionNotAllowed
from exchange.models import OutboxEvent
from exchange.schema import envelope_for, problem
from repair import services
from repair.models import Objection, PersonalStatement, Rating, RepairApplication
from tests.repair.conftest import pdf

pytestmark = pytest.mark.django_db


def _events_of(step: Callable[[], Any]) -> tuple[Any, list[OutboxEvent]]:
    """Run one step; return its result and the outbox events it wrote."""
    before = set(OutboxEvent.objects.values_list("pk", flat=True))
    result = step()
    return result, list(OutboxEvent.objects.exclude(pk__in=before).order_by("created_at"))


def _one_update(events: list[OutboxEvent], kind: str, step: str, state: str, case: Any) -> dict[str, Any]:
    updates = [e for e in events if e.event_type == f"{kind}.updated"]
    assert len(updates) == 1, [e.event_type for e in events]
    event = updates[0]
    for any_event in events:  # the step's record events as well as its case event
        assert problem(envelope_for(any_event)) is None, (any_event.event_type, problem(envelope_for(any_event)))
    payload = event.payload
    assert (payload["step"], payload["state"]) == (step, state)
    assert payload["reference"] == case.reference
    assert payload["lineage"] == str(case.record.lineage)
    assert payload["record_id"] == case.record_id
    assert payload["subject_index"] == case.subject.id_number_index
    assert payload["accept_due"] == case.accept_due.isoformat()
    assert event.aggregate_id == str(case.pk)
    assert case.subject.id_number not in str(payload)
    return payload


def _concluded(events: list[OutboxEvent], kind: str) -> list[OutboxEvent]:
    return [e for e in events if e.event_type == f"{kind}.concluded"]


def test_each_objection_step_emits_one_update(links, record, world, supervisor, officer2) -> None:
    objection, events = _events_of(lambda: services.file_objection(record, by=world.citizen, reasons="不是我", files=[pdf()]))
    payload = _one_update(events, "objection", "filed", Objection.State.SUBMITTED, objection)
    # Art. 25 counts the answer from the filing: both deadlines are known at once.
    assert payload["decide_due"] == objection.decide_due.isoformat()
    assert payload["objection_id"] == objection.pk
    assert not _concluded(events, "objection")

    case, events = _events_of(lambda: services.assign_case(objection, officer=officer2, by=supervisor))
    _one_update(events, "objection", "assigned", Objection.State.SUBMITTED, case)

    case, events = _events_of(lambda: services.accept_objection(case, by=officer2))
    payload = _one_update(events, "objection", "accepted", Objection.State.VERIFYING, case)
    assert payload["decide_due"] == case.decide_due.isoformat()

    case, events = _events_of(lambda: services.draft_answer(case, by=world.edu_clerk, proposal="unverifiable",
                                                            reason="材料缺失"))
    _one_update(events, "objection", "answer_drafted", Objection.State.VERIFYING, case)
    case, events = _events_of(lambda: services.sign_answer(case, by=world.edu_reviewer))
    _one_update(events, "objection", "proposed", Objection.State.PROPOSED, case)
    assert not _concluded(events, "objection")

    case, events = _events_of(lambda: services.conclude_objection(case, by=officer2, reason="无法核实"))
    _one_update(events, "objection", "concluded", Objection.State.UNVERIFIABLE, case)
    assert len(_concluded(events, "objection")) == 1  # the outcome travels in its own event too

    _, events = _events_of(lambda: services.add_personal_statement(case, by=world.citizen, text="当日在外地出差"))
    payload = _one_update(events, "objection", "statement_added", Objection.State.UNVERIFIABLE, case)
    assert "当日在外地出差" not in str(payload)  # the statement itself is not sent

    rating, events = _events_of(lambda: services.rate_case(case, by=world.citizen, score=2, comment="太慢"))
    payload = _one_update(events, "objection", "rated", Objection.State.UNVERIFIABLE, case)
    assert "太慢" not in str(payload)

    _, events = _events_of(lambda: services.follow_up_rating(rating, by=world.credit_office, note="已电话说明"))
    _one_update(events, "objection", "rating_followed_up", Objection.State.UNVERIFIABLE, case)


def test_refusing_an_objection_emits_one_update_and_the_conclusion(links, record, world) -> None:
    objection = services.file_objection(record, by=world.citizen, reasons="不是我")
    case, events = _events_of(lambda: services.refuse_objection(objection, by=world.credit_office, reason="理由不成立"))
    _one_update(events, "objection", "refused", Objection.State.REFUSED, case)
    assert len(_concluded(events, "objection")) == 1


def _apply(record, world) -> RepairApplication:
    return services.apply_for_repair(record, by=world.citizen, fulfilment="罚款已缴清", commitment_confirmed=True,
                                     proof=[pdf()])


@pytest.mark.parametrize(("approve", "step", "state"), [
    (True, "approved", RepairApplication.State.APPROVED),
    (False, "rejected", RepairApplication.State.REJECTED),
])
def test_each_repair_step_emits_one_update(links, record, world, supervisor, officer2, approve, step, state) -> None:
    application, events = _events_of(lambda: _apply(record, world))
    payload = _one_update(events, "repair", "filed", RepairApplication.State.SUBMITTED, application)
    assert payload["application_id"] == application.pk
    assert payload["decide_due"] is None

    case, events = _events_of(lambda: services.assign_case(application, officer=officer2, by=supervisor))
    _one_update(events, "repair", "assigned", RepairApplication.State.SUBMITTED, case)

    case, events = _events_of(lambda: services.accept_repair(case, by=officer2))
    payload = _one_update(events, "repair", "accepted", RepairApplication.State.ACCEPTED, case)
    assert payload["decide_due"] == case.decide_due.isoformat()
    assert not _concluded(events, "repair")

    case, events = _events_of(lambda: services.decide_repair(case, by=officer2, approve=approve, reason="已履行"))
    _one_update(events, "repair", step, state, case)
    assert len(_concluded(events, "repair")) == 1

    rating, events = _events_of(lambda: services.rate_case(case, by=world.citizen, score=1, comment="说明不清"))
    _one_update(events, "repair", "rated", state, case)

    _, events = _events_of(lambda: services.follow_up_rating(rating, by=world.credit_office, note="已回访"))
    _one_update(events, "repair", "rating_followed_up", state, case)


def test_refusing_a_repair_application_emits_one_update_and_the_conclusion(links, record, world) -> None:
    application = _apply(record, world)
    case, events = _events_of(lambda: services.refuse_repair(application, by=world.credit_office, reason="证明不足"))
    _one_update(events, "repair", "refused", RepairApplication.State.REFUSED, case)
    assert len(_concluded(events, "repair")) == 1


def test_a_rolled_back_step_emits_nothing(links, record, world, monkeypatch) -> None:
    """The event is written in the step's transaction: when the step fails after its
    timeline row and event were written (here: notifying the citizen), both go."""
    objection = services.file_objection(record, by=world.citizen, reasons="不是我")
    before = OutboxEvent.objects.count()

    def broken_notify(*args: object, **kwargs: object) -> None:
        raise RuntimeError("notification store down")

    monkeypatch.setattr("repair.services.common.notify", broken_notify)
    with pytest.raises(RuntimeError):
        services.accept_objection(objection, by=world.credit_office)
    with pytest.raises(RuntimeError):
        _apply(record, world)
    assert OutboxEvent.objects.count() == before
    objection.refresh_from_db()
    assert objection.state == Objection.State.SUBMITTED
    assert not RepairApplication.objects.exists()


def test_a_step_rolled_back_by_its_caller_emits_nothing(links, record, world) -> None:
    objection = services.file_objection(record, by=world.citizen, reasons="不是我")
    before = OutboxEvent.objects.count()
    seen_inside: list[bool] = []

    def request() -> None:
        with transaction.atomic():
            services.accept_objection(objection, by=world.credit_office)
            seen_inside.append(
                OutboxEvent.objects.filter(event_type="objection.updated", payload__step="accepted").exists()
            )
            raise RuntimeError("the surrounding request failed")

    with pytest.raises(RuntimeError):
        request()
    assert seen_inside == [True]
    assert OutboxEvent.objects.count() == before


def test_a_refused_step_emits_nothing(links, record, world) -> None:
    objection = services.refuse_objection(
        services.file_objection(record, by=world.citizen, reasons="不是我"), by=world.credit_office, reason="理由不成立"
    )
    before = OutboxEvent.objects.count()
    with pytest.raises(TransitionNotAllowed):
        services.accept_objection(objection, by=world.credit_office)
    with pytest.raises(TransitionNotAllowed):
        services.add_personal_statement(objection, by=world.citizen, text="声明")
    assert OutboxEvent.objects.count() == before
    assert not PersonalStatement.objects.exists()
    assert not Rating.objects.exists()
