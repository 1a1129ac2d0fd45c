"""Deadline arithmetic on the official calendar: holidays and make-up working days."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from credit_portal import workdays
from credit_portal.models import CalendarDay
from repair import deadlines, services
from repair.models import DeadlineRule

TZ = ZoneInfo("Asia/Shanghai")


def _days(kind: str, *days: date) -> None:
    for day in days:
        CalendarDay.objects.update_or_create(date=day, defaults={"kind": kind, "name": "test"})


@pytest.fixture
def national_day_2025(db) -> None:
    # 国务院办公厅关于2025年部分节假日安排的通知: 10月1日至8日放假调休，9月28日（周日）、10月11日（周六）上班。
    _days("holiday", *(date(2025, 10, d) for d in range(1, 9)))
    _days("workday", date(2025, 9, 28), date(2025, 10, 11))
    workdays.clear_cache()


@pytest.fixture
def spring_festival_2026(db) -> None:
    # 2026年春节：2月15日至23日放假调休，2月14日（周六）、2月28日（周六）上班。
    _days("holiday", *(date(2026, 2, d) for d in range(15, 24)))
    _days("workday", date(2026, 2, 14), date(2026, 2, 28))
    workdays.clear_cache()


def test_objection_filed_just_before_national_day_is_due_after_the_holiday(national_day_2025: None) -> None:
    # Filed Tue 30 Sep: 1–8 Oct off, so Thu 9 and Fri 10 Oct are the two working days.
    assert deadlines.deadline(DeadlineRule.Key.OBJECTION_ACCEPT, date(2025, 9, 30)) == date(2025, 10, 10)


def test_make_up_sunday_counts_as_a_working_day(national_day_2025: None) -> None:
    # Filed Fri 26 Sep: Sun 28 Sep is a make-up working day, Mon 29 the second.
    assert deadlines.deadline(DeadlineRule.Key.OBJECTION_ACCEPT, date(2025, 9, 26)) == date(2025, 9, 29)


def test_repair_decision_before_spring_festival_skips_the_holiday_and_counts_make_up_saturdays(
    spring_festival_2026: None,
) -> None:
    # Accepted Fri 13 Feb: Sat 14 (1), Tue 24–Fri 27 (2–5), Sat 28 (6), Mon 2–Thu 5 Mar (7–10).
    assert deadlines.deadline(DeadlineRule.Key.REPAIR_DECIDE, date(2026, 2, 13)) == date(2026, 3, 5)
    assert deadlines.deadline(DeadlineRule.Key.OBJECTION_ACCEPT, date(2026, 2, 13)) == date(2026, 2, 24)


def test_twenty_calendar_days_ending_in_a_holiday_move_to_the_next_working_day(national_day_2025: None) -> None:
    # Accepted Thu 11 Sep + 20 days = Wed 1 Oct, a holiday: 《民法典》 art. 203 → Thu 9 Oct.
    assert deadlines.deadline(DeadlineRule.Key.OBJECTION_CONCLUDE, date(2025, 9, 11)) == date(2025, 10, 9)
    # Accepted Mon 1 Sep + 20 = Sun 21 Sep, a rest day → Mon 22 Sep.
    assert deadlines.deadline(DeadlineRule.Key.OBJECTION_CONCLUDE, date(2025, 9, 1)) == date(2025, 9, 22)


def test_the_unit_is_configurable_data(national_day_2025: None) -> None:
    DeadlineRule.objects.filter(key=DeadlineRule.Key.OBJECTION_CONCLUDE).update(unit=DeadlineRule.Unit.WORKING)
    # 20 working days from Thu 11 Sep 2025: 12,15–19,22–26,28(make-up),29,30, 9,10,11(Sat make-up),13,14,15 Oct.
    assert deadlines.deadline(DeadlineRule.Key.OBJECTION_CONCLUDE, date(2025, 9, 11)) == date(2025, 10, 15)


def test_default_rules_are_loaded_with_their_source(db) -> None:
    rule = DeadlineRule.objects.get(key=DeadlineRule.Key.OBJECTION_CONCLUDE)
    assert (rule.days, rule.unit) == (20, "calendar")
    assert "征信业管理条例" in rule.source


def test_objection_filed_before_national_day_gets_its_deadline(national_day_2025: None, links, record, world) -> None:
    with time_machine.travel(datetime(2025, 9, 30, 17, 0, tzinfo=TZ), tick=False):
        objection = services.file_objection(record, by=world.citizen, reasons="不是我")
    assert objection.accept_due == date(2025, 10, 10)
