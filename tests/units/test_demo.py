"""``make run`` shows a unit with its representative and the propagated record."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from archives.models import CreditRecord
from archives.units.demo import UNIT_CODE
from archives.units.models import Unit, UnitPerson
from archives.units.selectors import units_visible_to
from credit_portal.models import User


@pytest.mark.django_db
def test_demo_shows_a_unit_its_representative_and_the_propagated_record(settings, tmp_path) -> None:
    settings.LOCAL_DIR = tmp_path
    settings.SMS_BACKEND = "credit_portal.notify.MemorySMSBackend"
    call_command("load_demo_data", stdout=StringIO())
    unit = Unit.objects.get(credit_code=UNIT_CODE)
    people = {p.role: p for p in unit.people.filter(ended_at__isnull=True)}
    assert set(people) == set(UnitPerson.Role.values)
    records = CreditRecord.objects.filter(source=CreditRecord.Source.UNIT_DISHONESTY, is_current=True)
    # One record in each named person's archive: legal representative, principal and the
    # directly responsible person.
    assert {r.archive_id for r in records} == {p.archive_id for p in people.values()}
    assert {r.state for r in records} == {CreditRecord.State.PUBLISHED}
    assert {r.unit_credit_code for r in records} == {UNIT_CODE}
    reviewer = User.objects.get(username="demo_market-regulation_reviewer")
    assert list(units_visible_to(reviewer)) == [unit]
    call_command("load_demo_data", stdout=StringIO())
    assert Unit.objects.count() == 1
    assert CreditRecord.objects.filter(source=CreditRecord.Source.UNIT_DISHONESTY).count() == 3
