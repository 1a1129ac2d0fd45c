"""The 5-year retention limit on every day of the calendar, 29 February and the days
around it included.

《征信业管理条例》 art. 16: "征信机构对个人不良信息的保存期限，自不良行为或者事件终止之日起为5年；
超过5年的，应当予以删除". 民法典 art. 201: "开始的当日不计入，自下一日开始计算"; art. 202:
"按照年、月计算期间的，到期月的对应日为期间的最后一日；没有对应日的，月末日为期间的最后一日".
A record is kept through the last day of its 5 years (``add_months(decided_on, 60)``) and
removed the day after.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError

from archives import services
from archives.models import CreditRecord
from archives.services.records.display import (
    add_months,
    repairable_from,
    retention_cutoff,
    retention_ends,
)
from tests.archives.conftest import World, negative_data, publish_negative

DAY = timedelta(days=1)


def _days(first: date, last: date):
    day = first
    while day <= last:
        yield day
        day += DAY


def test_cutoff_is_the_smallest_decision_day_still_kept_on_every_day() -> None:
    # Two leap days (2028, 2032) and the common years between, with the months around them.
    checked = 0
    for today in _days(date(2027, 12, 1), date(2032, 3, 31)):
        cutoff = retention_cutoff(today)
        assert add_months(cutoff, 60) >= today, today  # decided on the cutoff: still kept
        assert add_months(cutoff - DAY, 60) < today, today  # decided the day before: past its limit
        checked += 1
    assert checked == 1583


def test_the_purge_and_the_refusal_agree_with_the_last_day_of_every_decision() -> None:
    # From the decision's side: kept on its last day, gone the day after, for decisions on
    # every day of 2023-2024 (28 and 29 February 2024 both end on 28 February 2029).
    for decided in _days(date(2023, 1, 1), date(2024, 12, 31)):
        last = retention_ends(decided)
        assert not decided < retention_cutoff(last), decided
        assert decided < retention_cutoff(last + DAY), decided


@pytest.mark.parametrize(("today", "cutoff"), [
    (date(2028, 2, 28), date(2023, 2, 28)),
    (date(2028, 2, 29), date(2023, 3, 1)),  # 28 Feb 2023's 5 years ended the day before
    (date(2028, 3, 1), date(2023, 3, 1)),
    (date(2029, 2, 28), date(2024, 2, 28)),  # 28 and 29 Feb 2024 both end on 28 Feb 2029
    (date(2029, 3, 1), date(2024, 3, 1)),
])
def test_cutoff_around_29_february(today: date, cutoff: date) -> None:
    assert retention_cutoff(today) == cutoff


def test_display_and_repair_periods_count_forward_and_need_no_fix() -> None:
    # Counted forward from the decision (art. 202), the corresponding day or the month's
    # last day where there is none; the day after is the first day outside the period.
    assert add_months(date(2023, 2, 28), 12) == date(2024, 2, 28)
    assert add_months(date(2024, 2, 29), 12) == date(2025, 2, 28)
    assert add_months(date(2023, 11, 30), 3) == date(2024, 2, 29)
    assert repairable_from(date(2023, 11, 30), 3) == date(2024, 3, 1)
    assert repairable_from(date(2027, 2, 28), 12) == date(2028, 2, 29)
    assert repairable_from(date(2024, 2, 29), 12) == date(2025, 3, 1)


@pytest.mark.django_db
def test_a_record_decided_28_february_2023_is_purged_on_29_february_2028(world: World) -> None:
    with time_machine.travel(date(2023, 3, 10), tick=False):
        record = publish_negative(world, occurred_on=date(2023, 2, 1), decided_on=date(2023, 2, 28))
    assert services.purge_expired_negative_information(today=date(2028, 2, 28)) == 0  # the last day
    assert CreditRecord.objects.filter(lineage=record.lineage).exists()
    assert services.purge_expired_negative_information(today=date(2028, 2, 29)) == 1  # the day after
    assert not CreditRecord.objects.filter(lineage=record.lineage).exists()


@pytest.mark.django_db
def test_records_decided_28_and_29_february_2024_are_kept_through_28_february_2029(world: World) -> None:
    with time_machine.travel(date(2024, 3, 10), tick=False):
        first = publish_negative(world, occurred_on=date(2024, 2, 1), decided_on=date(2024, 2, 28))
        second = publish_negative(world, occurred_on=date(2024, 2, 1), decided_on=date(2024, 2, 29))
    assert services.purge_expired_negative_information(today=date(2029, 2, 28)) == 0
    assert services.purge_expired_negative_information(today=date(2029, 3, 1)) == 2
    assert not CreditRecord.objects.filter(lineage__in=[first.lineage, second.lineage]).exists()


@pytest.mark.django_db
def test_entry_is_refused_on_29_february_2028_for_a_decision_of_28_february_2023(world: World) -> None:
    with time_machine.travel(date(2028, 2, 29), tick=False):
        with pytest.raises(ValidationError) as refused:
            services.draft_record(world.archive, by=world.edu_clerk,
                                  **negative_data(world, occurred_on=date(2023, 2, 1), decided_on=date(2023, 2, 28)))
        assert "decided_on" in refused.value.message_dict
        assert "2023-03-01" in " ".join(refused.value.message_dict["decided_on"])
        kept = services.draft_record(world.archive, by=world.edu_clerk,
                                     **negative_data(world, occurred_on=date(2023, 2, 1), decided_on=date(2023, 3, 1)))
    assert kept.decided_on == date(2023, 3, 1)
