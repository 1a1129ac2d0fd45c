"""Working days on the official calendar: the seeded table and the counting functions.

Expected days are taken from the State Council notices (国务院办公厅关于2024/2025/2026年
部分节假日安排的通知), independently of the library the seed was generated from.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command

from credit_portal import workdays
from credit_portal.management.commands.export_calendar_seed import SEED_PATH
from credit_portal.models import CalendarDay
from credit_portal.workdays import add_working_days, deadline_after, is_working_day, working_days_between

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture(autouse=True)
def _fresh_calendar(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    # A test's rows are rolled back without a post_delete signal: never leave a copy
    # of them cached for the next test.
    monkeypatch.setattr(workdays, "_warned_years", set())
    workdays.clear_cache()
    yield
    workdays.clear_cache()


# --- The table ---------------------------------------------------------------------------
def test_migration_loads_2024_to_2026_with_their_sources() -> None:
    years = set(CalendarDay.objects.dates("date", "year").values_list("date__year", flat=True))
    assert {2024, 2025, 2026} <= years
    day = CalendarDay.objects.get(date=date(2025, 10, 8))
    assert (day.kind, day.name, day.source) == (
        CalendarDay.Kind.HOLIDAY, "国庆节", "国务院办公厅关于2025年部分节假日安排的通知"
    )
    assert CalendarDay.objects.get(date=date(2026, 2, 28)).kind == CalendarDay.Kind.WORKDAY


def test_table_holds_only_exceptions_to_monday_to_friday() -> None:
    days = list(CalendarDay.objects.all())
    assert len(days) > 100
    for day in days:
        if day.kind == CalendarDay.Kind.HOLIDAY:
            assert day.date.weekday() < 5, day
        else:
            assert day.date.weekday() >= 5, day
        assert day.source == f"国务院办公厅关于{day.date.year}年部分节假日安排的通知"
    # 2025-10-04 is a Saturday inside the National Day break: off anyway, not stored.
    assert not CalendarDay.objects.filter(date=date(2025, 10, 4)).exists()


def test_committed_seed_matches_the_library(capsys: pytest.CaptureFixture[str]) -> None:
    call_command("export_calendar_seed", "--check")
    seed = json.loads(SEED_PATH.read_text(encoding="utf-8"))
    assert seed["generator"].startswith("chinesecalendar ")
    assert len(seed["days"]) == CalendarDay.objects.filter(date__year__gte=seed["first_year"]).count()


def test_stale_seed_is_reported(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    from django.core.management.base import CommandError

    from credit_portal.management.commands import export_calendar_seed

    stale = tmp_path / "cn_calendar.json"
    stale.write_text('{"days": []}', encoding="utf-8")
    monkeypatch.setattr(export_calendar_seed, "SEED_PATH", stale)
    with pytest.raises(CommandError, match="differs"):
        call_command("export_calendar_seed", "--check")


# --- 国庆 2025: Oct 1–8 off, Sun Sep 28 and Sat Oct 11 worked ------------------------------
@pytest.mark.parametrize(
    ("day", "working"),
    [
        (date(2025, 9, 28), True),  # Sunday, make-up day
        (date(2025, 9, 30), True),
        (date(2025, 10, 1), False),
        (date(2025, 10, 4), False),  # Saturday in the break
        (date(2025, 10, 6), False),  # 中秋, Monday
        (date(2025, 10, 8), False),  # Wednesday
        (date(2025, 10, 9), True),
        (date(2025, 10, 11), True),  # Saturday, make-up day
        (date(2025, 10, 12), False),  # ordinary Sunday
        (date(2025, 10, 18), False),  # ordinary Saturday
    ],
)
def test_national_day_2025(day: date, working: bool) -> None:
    assert is_working_day(day) is working


def test_case_filed_on_the_eve_of_national_day_2025() -> None:
    accepted = date(2025, 9, 30)
    assert add_working_days(accepted, 1) == date(2025, 10, 9)
    assert add_working_days(accepted, 3) == date(2025, 10, 11)  # the make-up Saturday counts
    # DESIGN §7: a repair decision within 10 working days of acceptance.
    assert add_working_days(accepted, 10) == date(2025, 10, 21)


def test_case_filed_the_friday_before_national_day_2025_uses_the_make_up_sunday() -> None:
    accepted = date(2025, 9, 26)
    assert add_working_days(accepted, 1) == date(2025, 9, 28)
    assert add_working_days(accepted, 2) == date(2025, 9, 29)
    assert add_working_days(accepted, 4) == date(2025, 10, 9)


# --- Spring Festival 2026: Feb 15–23 off, Sat Feb 14 and Sat Feb 28 worked ---------------
def test_spring_festival_2026() -> None:
    assert is_working_day(date(2026, 2, 14))
    assert all(not is_working_day(date(2026, 2, d)) for d in range(15, 24))
    assert is_working_day(date(2026, 2, 24))
    assert is_working_day(date(2026, 2, 28))
    assert not is_working_day(date(2026, 3, 1))


def test_case_filed_just_before_spring_festival_2026() -> None:
    accepted = date(2026, 2, 13)  # Friday
    assert add_working_days(accepted, 1) == date(2026, 2, 14)
    assert add_working_days(accepted, 2) == date(2026, 2, 24)
    # Objection: accept or refuse within 2 working days (DESIGN §7).
    assert add_working_days(date(2026, 2, 12), 2) == date(2026, 2, 14)
    assert add_working_days(accepted, 5) == date(2026, 2, 27)
    assert add_working_days(accepted, 6) == date(2026, 2, 28)


# --- 2024: Spring Festival (Feb 10–17 off, Sun Feb 4 and Sun Feb 18 worked) and 国庆 -------
def test_spring_festival_2024() -> None:
    assert is_working_day(date(2024, 2, 4))
    assert not is_working_day(date(2024, 2, 12))
    assert is_working_day(date(2024, 2, 18))
    # 除夕 (Fri Feb 9) was only "encouraged" off in 2024's notice: a working day.
    filed = date(2024, 2, 9)
    assert is_working_day(filed)
    assert add_working_days(filed, 1) == date(2024, 2, 18)
    assert add_working_days(filed, 2) == date(2024, 2, 19)


def test_national_day_2024() -> None:
    # Oct 1–7 off; Sun Sep 29 and Sat Oct 12 worked.
    assert is_working_day(date(2024, 9, 29))
    assert add_working_days(date(2024, 9, 30), 1) == date(2024, 10, 8)
    assert add_working_days(date(2024, 9, 30), 5) == date(2024, 10, 12)


# --- Conventions ---------------------------------------------------------------------------
def test_zero_days_is_the_same_day_when_working_else_the_next_working_day() -> None:
    assert add_working_days(date(2025, 11, 12), 0) == date(2025, 11, 12)
    assert add_working_days(date(2025, 11, 15), 0) == date(2025, 11, 17)  # Saturday
    assert add_working_days(date(2025, 10, 4), 0) == date(2025, 10, 9)  # in the holiday
    assert add_working_days(date(2025, 9, 28), 0) == date(2025, 9, 28)  # make-up Sunday


def test_ordinary_weekend_is_skipped() -> None:
    assert add_working_days(date(2025, 11, 14), 1) == date(2025, 11, 17)
    assert add_working_days(date(2025, 11, 15), 1) == date(2025, 11, 17)  # filed on a Saturday
    assert add_working_days(date(2025, 11, 14), 5) == date(2025, 11, 21)


def test_refuses_negative_counts_and_datetimes() -> None:
    with pytest.raises(ValueError, match="zero or positive"):
        add_working_days(date(2025, 1, 6), -1)
    with pytest.raises(TypeError):
        is_working_day(datetime(2025, 10, 1, 9, 0, tzinfo=UTC))
    with pytest.raises(TypeError):
        add_working_days(datetime(2025, 10, 1, 9, 0, tzinfo=UTC), 1)


def test_working_days_between() -> None:
    assert working_days_between(date(2025, 9, 30), date(2025, 10, 21)) == 10
    assert working_days_between(date(2025, 10, 21), date(2025, 9, 30)) == -10
    assert working_days_between(date(2025, 10, 1), date(2025, 10, 1)) == 0
    assert working_days_between(date(2025, 10, 1), date(2025, 10, 8)) == 0
    assert working_days_between(date(2026, 2, 13), date(2026, 2, 28)) == 6


def test_working_days_between_inverts_add_working_days() -> None:
    start = date(2025, 9, 20)
    for offset in range(1, 60):
        day = start + timedelta(days=offset)
        if is_working_day(day):
            assert add_working_days(start, working_days_between(start, day)) == day


def test_deadline_after_ends_at_midnight_of_the_last_local_day() -> None:
    accepted = datetime(2025, 9, 30, 20, 0, tzinfo=SHANGHAI)
    deadline = deadline_after(accepted, 1)
    assert deadline.astimezone(SHANGHAI).replace(tzinfo=None) == datetime(2025, 10, 9, 23, 59, 59, 999999)


def test_deadline_after_counts_from_the_local_date_not_the_utc_one() -> None:
    # 17:00 UTC on Thursday Sep 25 is 01:00 on Friday Sep 26 in Shanghai.
    accepted = datetime(2025, 9, 25, 17, 0, tzinfo=UTC)
    assert deadline_after(accepted, 1).astimezone(SHANGHAI).date() == date(2025, 9, 28)


# --- Beyond the table ----------------------------------------------------------------------
def test_years_without_data_count_monday_to_friday_and_warn_once(caplog: pytest.LogCaptureFixture) -> None:
    CalendarDay.objects.filter(date__year__gte=2027).delete()
    with caplog.at_level(logging.WARNING, logger="credit_portal.workdays"):
        assert is_working_day(date(2027, 10, 1))  # a Friday: no 2027 notice in the table
        assert not is_working_day(date(2027, 10, 2))
        assert add_working_days(date(2027, 10, 1), 1) == date(2027, 10, 4)
    warnings = [r for r in caplog.records if "2027" in r.getMessage()]
    assert len(warnings) == 1


def test_a_year_entered_by_the_credit_office_is_used() -> None:
    assert is_working_day(date(2027, 10, 1))
    CalendarDay.objects.create(date=date(2027, 10, 1), kind=CalendarDay.Kind.HOLIDAY, name="国庆节")
    CalendarDay.objects.create(date=date(2027, 9, 26), kind=CalendarDay.Kind.WORKDAY, name="国庆节")
    assert not is_working_day(date(2027, 10, 1))
    assert is_working_day(date(2027, 9, 26))


# --- Cache ---------------------------------------------------------------------------------
def test_one_query_then_none(django_assert_num_queries) -> None:
    with django_assert_num_queries(1):  # the whole CalendarDay table, once
        add_working_days(date(2024, 1, 1), 200)
        working_days_between(date(2025, 1, 1), date(2026, 12, 31))
        is_working_day(date(2026, 10, 1))
    with django_assert_num_queries(0):
        add_working_days(date(2025, 9, 30), 10)


def test_saving_or_deleting_a_day_clears_the_cache() -> None:
    day = date(2026, 12, 31)  # a Thursday
    assert is_working_day(day)
    row = CalendarDay.objects.create(date=day, kind=CalendarDay.Kind.HOLIDAY, name="test")
    assert not is_working_day(day)
    row.kind = CalendarDay.Kind.WORKDAY
    row.save()
    assert is_working_day(day)
    row.kind = CalendarDay.Kind.HOLIDAY
    row.save()
    assert not is_working_day(day)
    row.delete()
    assert is_working_day(day)


def test_other_processes_reload_after_the_time_to_live(monkeypatch: pytest.MonkeyPatch) -> None:
    day = date(2026, 12, 31)
    assert is_working_day(day)
    # An edit made by another process: no signal reaches this one.
    CalendarDay.objects.bulk_create([CalendarDay(date=day, kind=CalendarDay.Kind.HOLIDAY)])
    assert is_working_day(day)
    loaded_at = workdays._calendar.loaded_at  # type: ignore[union-attr]
    monkeypatch.setattr(workdays.time, "monotonic", lambda: loaded_at + workdays.CACHE_SECONDS + 1)
    assert not is_working_day(day)
