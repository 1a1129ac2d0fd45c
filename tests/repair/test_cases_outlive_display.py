"""A case filed while a record is shown is still carried out when the record's display
period ends before the case does (the nightly expiry does not wait): an upheld objection
withdraws or corrects it, an approved repair marks it repaired. Before, concluding failed
("only published records…"), and the record stayed "expired" for its 5 years."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from archives import services as archive_services
from archives.models import CreditRecord
from archives.services.records.display import add_months
from credit_portal.exceptions import TransitionNotAllowed
from repair import services
from repair.models import Objection, RepairApplication
from tests.repair.conftest import answer, pdf, publish

pytestmark = pytest.mark.django_db


def _ending_soon(world) -> CreditRecord:  # noqa: ANN001
    """A general record (12 months of display) whose display ends in 5 days."""
    today = timezone.localdate()
    decided = add_months(today, -12) + timedelta(days=5)
    record = publish(world, decided_on=decided)
    assert record.display_until == today + timedelta(days=5)
    return record


def _current(record: CreditRecord) -> CreditRecord:
    return CreditRecord.objects.get(lineage=record.lineage, is_current=True)


def _after_the_display(days: int = 8):  # noqa: ANN202
    later = timezone.now() + timedelta(days=days)
    assert archive_services.expire_records(today=timezone.localtime(later).date()) >= 1
    return time_machine.travel(later)


@pytest.mark.parametrize(("proposal", "changes", "state"), [
    ("withdraw", None, "withdrawn"),
    ("correct", {"decision_number": "更正后的文号"}, "expired"),  # corrected, its period still over
])
def test_an_upheld_objection_is_carried_out_after_the_display_ended(
    links, world, proposal: str, changes: dict | None, state: str,
) -> None:
    record = _ending_soon(world)
    case = services.file_objection(record, by=world.citizen, reasons="不是我", files=[pdf()])
    services.accept_objection(case, by=world.credit_office)
    case.refresh_from_db()
    answer(world, case, proposal=proposal, reason="核实有误", changes=changes)
    with _after_the_display():
        assert _current(record).state == "expired"
        concluded = services.conclude_objection(Objection.objects.get(pk=case.pk), by=world.credit_office,
                                                reason="异议成立")
    assert concluded.state == Objection.State.UPHELD
    current = _current(record)
    assert current.state == state
    assert not current.under_objection
    if changes:
        assert current.decision_number == "更正后的文号"
        assert CreditRecord.objects.get(pk=record.pk).state == "corrected"


def test_an_approved_repair_is_carried_out_after_the_display_ended(links, world) -> None:
    record = _ending_soon(world)
    application = services.apply_for_repair(
        record, by=world.citizen, fulfilment="罚款已缴清", commitment_confirmed=True, proof=[pdf("paid.pdf")])
    services.accept_repair(application, by=world.credit_office)
    with _after_the_display():
        services.decide_repair(RepairApplication.objects.get(pk=application.pk), by=world.credit_office,
                               approve=True, reason="已履行")
    assert _current(record).state == "repaired"


def test_staff_still_cannot_change_an_expired_record_outside_a_case(links, world) -> None:
    """Only a case's outcome reaches an expired record; a department's proposal does not."""
    record = _ending_soon(world)
    with _after_the_display():
        with pytest.raises(TransitionNotAllowed):
            archive_services.propose_withdrawal(_current(record), by=world.edu_clerk, reason="想撤销")
