"""Every step of a joint-punishment case (opened, each department's feedback, corrected
within the time limit, closed) is pushed to the platform as ``punishment.updated`` in
the step's transaction, conforming to the schema and carrying no free text."""

from __future__ import annotations

import json
from datetime import date

import pytest
import time_machine
from django.core.exceptions import PermissionDenied

from archives.listing import services
from archives.listing.models import CaseMeasure, Listing, PunishmentCase
from departments.models import Membership
from exchange.models import OutboxEvent
from exchange.schema import envelope_for, problem
from tests import factories as f
from tests.listing.conftest import propose, publish, serious

pytestmark = pytest.mark.django_db

FEEDBACK = "已在职称评审中限制当事人。"
OUTCOME = "当事人已主动纠正并消除影响。"


def _at(day: date) -> time_machine.travel:
    return time_machine.travel(day.isoformat() + " 10:00 +08:00", tick=False)


@pytest.fixture
def listed(world) -> Listing:
    with _at(date(2026, 9, 30)):
        listing = propose(world, [serious(world)])
    with _at(date(2026, 10, 14)):
        return publish(world, listing)


def _steps(case: PunishmentCase) -> list[dict]:
    events = list(
        OutboxEvent.objects.filter(event_type="punishment.updated", aggregate_id=str(case.pk)).order_by(
            "created_at", "id"
        )
    )
    for event in events:
        assert problem(envelope_for(event)) is None, problem(envelope_for(event))
        assert event.aggregate_type == "listing.punishmentcase"
        text = json.dumps(event.payload, ensure_ascii=False)
        assert FEEDBACK not in text
        assert OUTCOME not in text
    return [e.payload for e in events]


def test_opening_the_case_is_pushed_with_every_measure(world, listed) -> None:
    case = listed.case
    (opened,) = _steps(case)
    assert (opened["step"], opened["state"], opened["measure"]) == ("opened", "open", None)
    assert opened["listing_id"] == listed.pk
    assert opened["reference"] == listed.reference
    assert opened["correction_due"] == case.correction_due.isoformat()
    assert opened["subject_index"] == world.subject.id_number_index
    assert len(opened["measures"]) == case.measures.count() > 0
    assert {m["state"] for m in opened["measures"]} == {"pending"}
    assert {m["feedback_due"] for m in opened["measures"]} == {"2026-10-28"}


def test_each_departments_feedback_is_pushed_and_a_refused_one_is_not(world, listed) -> None:
    case = listed.case
    item = case.measures.select_related("measure", "department").first()
    outsider = world.health_clerk if item.department != world.health else world.finance_clerk
    with pytest.raises(PermissionDenied):
        services.record_feedback(item, by=outsider, applied=True, feedback=FEEDBACK)
    assert len(_steps(case)) == 1
    staff = f.member(item.department, Membership.Role.CLERK, "measure_clerk")
    with _at(date(2026, 10, 20)):
        services.record_feedback(item, by=staff, applied=False, feedback=FEEDBACK)
    feedback = _steps(case)[-1]
    assert (feedback["step"], feedback["state"], feedback["measure"]) == ("feedback", "open", item.measure.code)
    this = next(m for m in feedback["measures"] if m["measure"] == item.measure.code)
    assert this["state"] == CaseMeasure.State.NOT_APPLICABLE
    assert this["department"] == item.department.code
    assert this["responded_at"].startswith("2026-10-20")
    assert all(m["responded_at"] is None for m in feedback["measures"] if m["measure"] != item.measure.code)


def test_corrected_within_the_time_limit_is_pushed_with_measures_lifted(world, listed) -> None:
    case = listed.case
    with _at(case.correction_due):
        services.mark_corrected(case, by=world.credit_office, outcome=OUTCOME)
    corrected = _steps(case)[-1]
    assert (corrected["step"], corrected["state"]) == ("corrected", "corrected")
    assert {m["state"] for m in corrected["measures"]} == {"lifted"}


def test_a_refused_correction_pushes_nothing(world, listed) -> None:
    case = listed.case
    with _at(case.correction_due), pytest.raises(PermissionDenied):
        services.mark_corrected(case, by=world.edu_reviewer, outcome=OUTCOME)
    assert [s["step"] for s in _steps(case)] == ["opened"]


def test_removal_from_the_list_closes_the_case_and_pushes_it(world, listed) -> None:
    case = listed.case
    services.remove_listing(listed, by=world.credit_office, reason="行政复议撤销原处罚决定。")
    steps = _steps(case)
    assert [s["step"] for s in steps] == ["opened", "closed"]
    assert steps[-1]["state"] == "closed"
    assert {m["state"] for m in steps[-1]["measures"]} == {"lifted"}
    # The listing's own removal travels too, in the same transaction.
    assert OutboxEvent.objects.filter(event_type="listing.removed", aggregate_id=str(listed.pk)).exists()
