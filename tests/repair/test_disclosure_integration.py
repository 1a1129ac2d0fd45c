"""Through disclosure's real citizen link and selectors: a repaired record leaves public
lists and institution reports but stays for the subject and the department; a personal
statement reaches reports through disclosure's hook."""

from __future__ import annotations

import pytest

from archives.models import CreditRecord
from archives.selectors import records_visible_to
from disclosure import hooks, public_lists
from disclosure import selectors as disclosure
from disclosure.services.registration import link_citizen
from repair import services
from tests.factories import lately
from tests.listing.factories import make_listing
from tests.repair.conftest import answer, pdf, publish

pytestmark = pytest.mark.django_db


@pytest.fixture
def linked(world) -> None:
    link_citizen(world.citizen, world.subject, by=world.credit_office)


def test_repaired_record_leaves_public_lists_and_reports_but_stays_for_subject_and_department(linked, world) -> None:
    # Serious: repairable after 12 months, shown for 36.
    record = publish(world, severity=CreditRecord.Severity.SERIOUS, is_penalty=True, **lately(400))
    assert disclosure.effective_records(world.subject).filter(pk=record.pk).exists()
    listing = make_listing(record, by=world.edu_clerk)
    assert public_lists.dishonesty_list().filter(pk=listing.pk).exists()
    application = services.apply_for_repair(
        record, by=world.citizen, fulfilment="罚款已缴清", commitment_confirmed=True, proof=[pdf()]
    )
    services.decide_repair(services.accept_repair(application, by=world.credit_office), by=world.credit_office,
                           approve=True, reason="义务已履行，已作信用承诺")
    assert not disclosure.effective_records(world.subject).filter(pk=record.pk).exists()
    # The repair ends the listing resting on the record (archives.hooks → listing).
    assert not public_lists.dishonesty_list().filter(pk=listing.pk).exists()
    own = disclosure.own_record_history(world.subject, record.lineage)
    assert [r.state for r in own] == [CreditRecord.State.REPAIRED]
    assert records_visible_to(world.edu_reviewer).get(pk=record.pk).state == CreditRecord.State.REPAIRED


def test_personal_statement_reaches_reports_through_the_disclosure_hook(linked, world) -> None:
    record = publish(world)
    objection = services.file_objection(record, by=world.citizen, reasons="不是我")
    objection = services.accept_objection(objection, by=world.credit_office)
    objection = answer(world, objection, proposal="unverifiable", reason="材料缺失")
    objection = services.conclude_objection(objection, by=world.credit_office, reason="无法核实")
    assert hooks.personal_statements([record.lineage]) == {}
    services.add_personal_statement(objection, by=world.citizen, text="本人声明：当日在外地出差。")
    assert hooks.personal_statements([record.lineage]) == {record.lineage: "本人声明：当日在外地出差。"}
