"""The credit repair notice sent on publication (信用修复告知书) names the day the credit
office's eligibility check (``repair.services.repair_eligibility``) first accepts an
application, never a later one. DESIGN §7: repair "may be applied for once the minimum
period has passed …; for minor information, as soon as the obligation is fulfilled"."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
import time_machine

from archives.models import CreditRecord, Notice
from repair.services import repair_eligibility
from tests.archives.conftest import World, publish_negative

pytestmark = pytest.mark.django_db

DAY = timedelta(days=1)
ISO = re.compile(r"\d{4}-\d{2}-\d{2}")


def _notice_dates(record: CreditRecord) -> set[date]:
    notice = Notice.objects.get(record=record, kind=Notice.Kind.REPAIR_NOTICE)
    return {date.fromisoformat(day) for day in ISO.findall(notice.body)}


def _first_accepted_day(record: CreditRecord) -> date:
    earliest = repair_eligibility(record).earliest
    assert repair_eligibility(record, today=earliest).repairable
    assert not repair_eligibility(record, today=earliest - DAY).repairable
    return earliest


@pytest.mark.parametrize(("severity", "decided_on", "opens_on"), [
    # General: at least 3 months; 30 Nov + 3 months ends on 29 Feb (no 30 Feb), repair opens 1 Mar.
    (CreditRecord.Severity.GENERAL, date(2027, 11, 30), date(2028, 3, 1)),
    # Serious: at least 12 months; the period ends on 28 Feb 2028, repair opens on 29 Feb.
    (CreditRecord.Severity.SERIOUS, date(2027, 2, 28), date(2028, 2, 29)),
])
def test_the_notice_names_the_first_day_the_eligibility_check_accepts(
    world: World, severity: str, decided_on: date, opens_on: date
) -> None:
    with time_machine.travel(date(2028, 1, 15), tick=False):
        record = publish_negative(world, severity=severity, occurred_on=decided_on - 10 * DAY, decided_on=decided_on)
    assert record.state == CreditRecord.State.PUBLISHED
    assert _first_accepted_day(record) == opens_on
    # The display end and the day repair opens, nothing else.
    assert _notice_dates(record) == {record.display_until, opens_on}


def test_minor_information_notice_names_no_day_later_than_the_check_allows(world: World) -> None:
    decided_on = date(2027, 12, 31)
    with time_machine.travel(date(2028, 1, 15), tick=False):
        record = publish_negative(world, severity=CreditRecord.Severity.MINOR, occurred_on=date(2027, 12, 20),
                                  decided_on=decided_on)
    assert record.state == CreditRecord.State.PUBLISHED
    # Minor information: repairable from the decision date, once the obligations are fulfilled.
    assert _first_accepted_day(record) == decided_on
    # The notice names no day to wait for, only the end of the display period.
    assert _notice_dates(record) == {record.display_until}
    body = Notice.objects.get(record=record, kind=Notice.Kind.REPAIR_NOTICE).body
    assert "可自" not in body
    assert "即可申请信用修复" in body  # translated: "as soon as you have fulfilled …, you may apply"


def test_a_configured_minor_minimum_does_not_make_the_notice_name_a_later_day(world: World) -> None:
    # A city may set a minor minimum within the national bounds (0-3 months); the check
    # still accepts minor information at once (DESIGN §7), and so does the notice.
    from archives.models import DisplayRule

    DisplayRule.objects.filter(tier="minor").update(min_months=1)
    decided_on = date(2027, 12, 31)
    with time_machine.travel(date(2028, 1, 15), tick=False):
        record = publish_negative(world, severity=CreditRecord.Severity.MINOR, occurred_on=date(2027, 12, 20),
                                  decided_on=decided_on)
    assert _first_accepted_day(record) == decided_on
    assert _notice_dates(record) == {record.display_until}
