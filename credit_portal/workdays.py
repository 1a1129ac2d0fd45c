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
import re
import threading
import time
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from datetime import time as clock_time
from typing import TYPE_CHECKING, Any

from django.utils import timezone

if TYPE_CHECKING:
    from credit_portal.models import User

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
    years: frozenset[int]
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
        years=frozenset(years),
        loaded_at=time.monotonic(),
    )
    with _lock:
        _calendar = loaded
    return loaded


def _warn_if_uncovered(calendar: _Calendar, day: date) -> None:
    if day.year in calendar.years or day.year in _warned_years:
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


# --- coverage: which years the official calendar knows --------------------------------------

# The State Council publishes next year's holidays in the autumn (the 2025 notice came
# out on 12 November 2024); from this day of the year on, a missing next year is a task
# for the credit office.
WARN_FROM_MONTH_DAY = (10, 1)


def is_provisional(day: date | None) -> bool:
    """Whether a deadline falling on ``day`` was counted past the official calendar (its
    year has no holidays entered yet): shown as provisional (暂定) wherever it appears."""
    if day is None:
        return False
    _require_date(day)
    return day.year not in _load().years


def missing_years(today: date) -> list[int]:
    """The years the credit office must enter now: this year when absent, and next
    year from 1 October on (the notice is due by then)."""
    covered = _load().years
    wanted = [today.year]
    if (today.month, today.day) >= WARN_FROM_MONTH_DAY:
        wanted.append(today.year + 1)
    return [year for year in wanted if year not in covered]


def calendar_warning(today: date | None = None) -> str:
    """A sentence for the credit office's dashboard, /healthz and the system check when
    a year is missing; empty when the calendar is complete. English: callers translate."""
    missing = missing_years(today or timezone.localdate())
    if not missing:
        return ""
    return f"official holidays not entered for {', '.join(str(y) for y in missing)}"


def check_calendar(app_configs: object = None, **kwargs: object) -> list[object]:
    """System check: a warning from 1 October when next year's official holidays are not
    entered (and whenever this year's are missing). Silent when the database cannot be
    read (before the first migrate, or where database access is not allowed)."""
    from django.core import checks

    try:
        warning = calendar_warning()
    except Exception:  # noqa: BLE001 - no database yet (first migrate) or not allowed here: nothing to say
        return []
    if not warning:
        return []
    return [checks.Warning(
        f"The working-day calendar is incomplete: {warning}. Deadlines in those years count Monday to Friday "
        "and are shown as provisional.",
        hint="Admin → Calendar days → Enter a year's notice (paste the dates of the State Council notice).",
        id="credit_portal.W120",
    )]


# --- entering a year's State Council notice -------------------------------------------------

_DATE = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?")
_RANGE = re.compile(rf"{_DATE.pattern}\s*(?:至|到|~|～|—|–|\.\.)\s*{_DATE.pattern}")


class CalendarNoticeError(ValueError):
    """A pasted notice that cannot be entered; ``messages`` say what to fix, per field."""

    def __init__(self, messages: dict[str, list[str]]) -> None:
        super().__init__("; ".join(m for ms in messages.values() for m in ms))
        self.messages = messages


def parse_dates(text: str) -> list[tuple[date, str]]:
    """Dates pasted from a notice, one holiday or make-up day per date, as
    ``(date, name)``. Each line may start with the holiday's name (元旦, 春节…) and holds
    dates (``2027-01-01``, ``2027年1月1日``) or ranges (``2027-10-01至2027-10-07``);
    full-width digits and punctuation are accepted. Raises ``ValueError`` naming the
    first line it cannot read."""
    found: list[tuple[date, str]] = []
    for number, raw in enumerate(unicodedata.normalize("NFKC", text or "").splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        name_match = re.match(r"^([^\d\s:：,，;；]+)[\s:：]*", line)
        name = name_match.group(1)[:50] if name_match else ""
        rest = line[name_match.end():] if name_match else line
        seen_any = False
        for match in _RANGE.finditer(rest):
            start, end = _to_date(match.groups()[:3], number), _to_date(match.groups()[3:], number)
            if end < start:
                raise ValueError(f"line {number}: the range ends before it starts")
            if (end - start).days > 31:
                raise ValueError(f"line {number}: a holiday is at most a month long")
            found.extend((start + timedelta(days=i), name) for i in range((end - start).days + 1))
            seen_any = True
        for match in _DATE.finditer(_RANGE.sub(" ", rest)):
            found.append((_to_date(match.groups(), number), name))
            seen_any = True
        leftover = _DATE.sub("", _RANGE.sub("", rest))
        if not seen_any or re.search(r"\d", leftover):
            raise ValueError(f"line {number}: no date in the form 2027-01-01 could be read")
    return found


def _to_date(parts: tuple[str, ...], line: int) -> date:
    try:
        return date(int(parts[0]), int(parts[1]), int(parts[2]))
    except ValueError:
        raise ValueError(f"line {line}: {'-'.join(parts)} is not a date") from None


# Deadlines stored when they were counted, counted again when a year of the calendar is
# entered (``enter_official_year``): until then a period running into that year was
# counted Monday to Friday and shown as provisional. Each app registers a function that
# gives its open deadlines falling on or after a day (rows locked) as ``Deadline``s: the
# row, the field, how the day is counted (its start and rule) and whether it is a period
# granted to the person. Each is counted on the calendar before the change and after it;
# only a deadline stored as the calendar before gave it is moved (so a rule changed since
# the deadline was counted is never applied backwards), and a person's period is never
# shortened (a make-up Saturday would), only lengthened.
@dataclass
class Deadline:
    row: Any
    field: str
    count: Callable[[], date]
    persons: bool = False


_deadline_sources: dict[str, Callable[[date], list[Deadline]]] = {}


def register_deadlines(name: str, source: Callable[[date], list[Deadline]]) -> None:
    _deadline_sources[name] = source


def _recount(since: date, change_calendar: Callable[[], None]) -> dict[str, list[list[object]]]:
    """``change_calendar()`` run between counting every registered deadline on or after
    ``since`` before and after it; the deadlines the change moves, saved, by source:
    [model label, id, field, old day, new day] each (no personal data)."""
    found = {name: [(item, item.count()) for item in source(since)] for name, source in _deadline_sources.items()}
    change_calendar()
    moved: dict[str, list[list[object]]] = {}
    for name, items in found.items():
        for item, before in items:
            stored = getattr(item.row, item.field)
            if stored != before:
                continue  # not counted on this calendar by this rule: left as it is
            after = item.count()
            if item.persons:
                after = max(after, stored)
            if after != stored:
                setattr(item.row, item.field, after)
                item.row.save(update_fields=[item.field])
                moved.setdefault(name, []).append(
                    [item.row._meta.label_lower, item.row.pk, item.field, stored.isoformat(), after.isoformat()]
                )
    return moved


def enter_official_year(
    *, year: int, holidays: list[tuple[date, str]], workdays: list[tuple[date, str]], source: str, by: User
) -> int:
    """Enter (or replace) one year of the official calendar from the State Council's
    notice (国务院办公厅关于某年部分节假日安排的通知). Callers: the credit office, through
    the admin's one-form page. Refused, with nothing changed: dates outside ``year``, a
    date both a holiday and a make-up day, a make-up day on a weekday, no holiday at
    all, no source. Holidays on a Saturday or Sunday are rest days anyway and are not
    stored (as in the seeded years). Returns the number of days stored; audited."""
    from django.db import transaction

    from credit_portal import audit
    from credit_portal.models import CalendarDay

    errors: dict[str, list[str]] = {}
    if not (source or "").strip():
        errors.setdefault("source", []).append("source")
    for field, rows in (("holidays", holidays), ("workdays", workdays)):
        outside = sorted({d for d, _ in rows if d.year != year})
        if outside:
            errors.setdefault(field, []).append(f"outside:{outside[0].isoformat()}")
    if not holidays:
        errors.setdefault("holidays", []).append("empty")
    both = sorted({d for d, _ in holidays} & {d for d, _ in workdays})
    if both:
        errors.setdefault("workdays", []).append(f"both:{both[0].isoformat()}")
    weekday_workdays = sorted(d for d, _ in workdays if d.weekday() < 5)
    if weekday_workdays:
        errors.setdefault("workdays", []).append(f"weekday:{weekday_workdays[0].isoformat()}")
    if errors:
        raise CalendarNoticeError(errors)
    rows = {d: CalendarDay(date=d, kind=CalendarDay.Kind.HOLIDAY, name=n, source=source.strip()[:200])
            for d, n in holidays if d.weekday() < 5}
    rows.update({d: CalendarDay(date=d, kind=CalendarDay.Kind.WORKDAY, name=n, source=source.strip()[:200])
                 for d, n in workdays})
    replaced = 0

    def change_calendar() -> None:
        nonlocal replaced
        replaced = CalendarDay.objects.filter(date__year=year).count()
        CalendarDay.objects.filter(date__year=year).delete()
        CalendarDay.objects.bulk_create(sorted(rows.values(), key=lambda row: row.date))
        clear_cache()  # the counts after read the new calendar, in this transaction

    try:
        with transaction.atomic():
            # The open deadlines falling in the year, counted again on the new calendar:
            # the official ones from now on. The entry names each one moved.
            moved = _recount(date(year, 1, 1), change_calendar)
            audit.record("credit_portal.calendar.year_entered", actor=by, detail={
                "year": year, "holidays": sum(1 for r in rows.values() if r.kind == CalendarDay.Kind.HOLIDAY),
                "workdays": sum(1 for r in rows.values() if r.kind == CalendarDay.Kind.WORKDAY),
                "replaced": replaced, "deadlines_moved": moved,
            })
            transaction.on_commit(clear_cache)
    finally:
        clear_cache()  # a rolled-back entry must not stay in the cached calendar either
    return len(rows)


def connect_signals() -> None:
    """Clear the cached calendar whenever a ``CalendarDay`` is saved or deleted."""
    from django.db.models.signals import post_delete, post_save

    from credit_portal.models import CalendarDay

    post_save.connect(clear_cache, sender=CalendarDay, dispatch_uid="workdays.clear_cache.save")
    post_delete.connect(clear_cache, sender=CalendarDay, dispatch_uid="workdays.clear_cache.delete")
