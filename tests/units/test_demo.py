"""``make run`` shows a unit with its representative and the propagated record."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from archives.models import CreditRecord
from archives.units.demo import UNIT_CODE
from archives.units.models import Unit
from archives.units.selectors import units_visible_to
from credit_portal.models import User


@pytest.mark.django_db
def test_demo_shows_a_unit_its_representative_and_the_propagated_record(settings, tmp_path) -> None:
    settings.LOCAL_DIR = tmp_path
    settings.SMS_BACKEND = "credit_portal.notify.MemorySMSBackend"
    call_command("load_demo_data", stdout=StringIO())
    unit = Unit.objects.get(credit_code=UNIT_CODE)
    record = CreditRecord.objects.get(source=CreditRecord.Source.UNIT_DISHONESTY, is_current=True)
    assert record.archive == unit.representative_archive
    assert record.state == CreditRecord.State.PUBLISHED
    assert record.unit_credit_code == UNIT_CODE
    reviewer = User.objects.get(username="demo_market-regulation_reviewer")
    assert list(units_visible_to(reviewer)) == [unit]
    call_command("load_demo_data", stdout=StringIO())
    assert Unit.objects.count() == 1
    assert CreditRecord.objects.filter(source=CreditRecord.Source.UNIT_DISHONESTY).count() == 1
