"""Working days on the official Chinese calendar (DESIGN §7).

A day is a working day when it is Monday to Friday and not a public holiday, or when
it is a weekend day declared a make-up working day (调休上班). The exceptions live in
``credit_portal.CalendarDay`` (loaded from the State Council's yearly notices, edited
by the credit office in the admin).

Counting convention, and the law behind it: a deadline "within N working days from
acceptance" (e.g. 10 working days to decide a repair application, DESIGN §7) ends at
the end of the Nth working day *after* the day of acceptance. The day the period
starts is not counted (《民法典》第二百零一条: 按照年、月、日计算期间的，开始的当日不计入，
自下一日开始计算), the period ends at 24:00 of its last day (第二百零三条), and deadlines
counted in working days exclude the statutory holidays (《行政许可法》第八十二条).
So ``add_working_days(accepted_on, 10)`` is the last day to decide.

The whole table is read in one query and kept per process (it holds about 25 rows a
year). Saving or deleting a ``CalendarDay`` clears this process's copy at once; other
processes (other gunicorn or Celery workers) reload after ``CACHE_SECONDS``.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from datetime import time as clock_time

from django.utils import timezone

logger = logging.getLogger(__name__)

# How stale another process's copy may get after an edit in the admin: the calendar
# changes once a year, a few minutes of delay is harmless.
CACHE_SECONDS = 300
# No legal deadline in the portal is longer than a few months; a loop past this is a
# caller's error, not a long deadline.
MAX_WORKING_DAYS = 1000


@dataclass(frozen=True)
class _Calendar:
    exceptions: dict[date, bool]  # date -> is a working day
    first_year: int | None
    last_year: int | None
    loaded_at: float


_lock = threading.Lock()
_calendar: _Calendar | None = None
_warned_years: set[int] = set()


def clear_cache(**_kwargs: object) -> None:
    """Forget this process's copy of the calendar (also a signal receiver)."""
    global _calendar
    with _lock:
        _calendar = None


def _load() -> _Calendar:
    global _calendar
    current = _calendar
    if current is not None and time.monotonic() - current.loaded_at < CACHE_SECONDS:
        return current
    from credit_portal.models import CalendarDay

    rows = list(CalendarDay.objects.values_list("date", "kind"))
    exceptions = {day: kind == CalendarDay.Kind.WORKDAY for day, kind in rows}
    years = [day.year for day in exceptions]
    loaded = _Calendar(
        exceptions=exceptions,
        first_year=min(years, default=None),
        last_year=max(years, default=None),
        loaded_at=time.monotonic(),
    )
    with _lock:
        _calendar = loaded
    return loaded


def _warn_if_uncovered(calendar: _Calendar, day: date) -> None:
    covered = calendar.first_year is not None and calendar.first_year <= day.year <= calendar.last_year  # type: ignore[operator]
    if covered or day.year in _warned_years:
        return
    _warned_years.add(day.year)
    logger.warning(
        "The working-day calendar has no official holidays for %s (it covers %s-%s); counting Monday to "
        "Friday. The credit office adds the year's holidays under Calendar days when the State Council "
        "publishes them.",
        day.year,
        calendar.first_year,
        calendar.last_year,
    )


def _is_working_day(calendar: _Calendar, day: date) -> bool:
    listed = calendar.exceptions.get(day)
    if listed is not None:
        return listed
    _warn_if_uncovered(calendar, day)
    return day.weekday() < 5


def _require_date(value: date) -> None:
    # A datetime is a date too, but never equal to one: it would miss every holiday.
    if isinstance(value, datetime) or not isinstance(value, date):
        raise TypeError(f"expected a date, got {type(value).__name__}")


def is_working_day(day: date) -> bool:
    """Whether ``day`` is a working day on the official calendar."""
    _require_date(day)
    return _is_working_day(_load(), day)


def add_working_days(start: date, n: int) -> date:
    """The ``n``th working day after ``start`` (``start`` itself not counted).

    ``n == 0`` gives ``start`` when it is a working day, else the next working day
    (the first day on which something received on ``start`` can be handled).
    Deadlines "within N working days from acceptance" end on
    ``add_working_days(accepted_on, N)``: see the module docstring for the law.
    """
    _require_date(start)
    if n < 0:
        raise ValueError("n must be zero or positive")
    if n > MAX_WORKING_DAYS:
        raise ValueError(f"n must be at most {MAX_WORKING_DAYS}")
    calendar = _load()
    day = start
    if n == 0:
        while not _is_working_day(calendar, day):
            day += timedelta(days=1)
        return day
    remaining = n
    while remaining:
        day += timedelta(days=1)
        if _is_working_day(calendar, day):
            remaining -= 1
    return day


def working_days_between(a: date, b: date) -> int:
    """The number of working days after ``a`` up to and including ``b``.

    The same counting as ``add_working_days``: for a working day ``b`` later than
    ``a``, ``add_working_days(a, working_days_between(a, b)) == b``. Negative when
    ``b`` is before ``a``; 0 when they are the same day.
    """
    _require_date(a)
    _require_date(b)
    if b < a:
        return -working_days_between(b, a)
    calendar = _load()
    count = 0
    day = a
    while day < b:
        day += timedelta(days=1)
        if _is_working_day(calendar, day):
            count += 1
    return count


def deadline_after(start: datetime, n: int) -> datetime:
    """The end of the ``n``th working day after the local date of ``start``.

    Returns 23:59:59.999999 of that day in the current time zone (《民法典》第二百零三条:
    the last day ends at 24:00), so ``timezone.now() > deadline`` means overdue.
    ``n == 0`` gives the end of the first working day on or after ``start``'s date.
    """
    local_day = timezone.localtime(start).date() if timezone.is_aware(start) else start.date()
    last_day = add_working_days(local_day, n)
    return timezone.make_aware(datetime.combine(last_day, clock_time.max))


def connect_signals() -> None:
    """Clear the cached calendar whenever a ``CalendarDay`` is saved or deleted."""
    from django.db.models.signals import post_delete, post_save

    from credit_portal.models import CalendarDay

    post_save.connect(clear_cache, sender=CalendarDay, dispatch_uid="workdays.clear_cache.save")
    post_delete.connect(clear_cache, sender=CalendarDay, dispatch_uid="workdays.clear_cache.delete")
