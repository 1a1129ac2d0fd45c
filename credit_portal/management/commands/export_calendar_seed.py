"""Regenerate ``credit_portal/data/cn_calendar.json`` from the ``chinesecalendar`` library.

The library (https://github.com/LKI/chinese-calendar) transcribes each year's State
Council notice (国务院办公厅关于YYYY年部分节假日安排的通知). We keep only the exceptions
to the Monday-to-Friday week, which is what ``credit_portal.CalendarDay`` stores:
weekdays off (``holiday``) and weekend days worked (``workday``, 调休上班).

    python manage.py export_calendar_seed            # rewrite the file
    python manage.py export_calendar_seed --check    # exit 1 if the file is stale

Migrations read the committed file, never the library, so they stay deterministic.
A year added to the file after a migration has loaded it needs its own data migration
(or the credit office enters it in the admin).
"""

from __future__ import annotations

import json
from datetime import date
from importlib.metadata import version
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

SEED_PATH = Path(__file__).resolve().parents[2] / "data" / "cn_calendar.json"

# 2020 is left out on purpose: its Spring Festival was extended by a separate notice
# (国务院办公厅关于延长2020年春节假期的通知), so one source per year would be wrong.
FIRST_YEAR = 2021


def source_for(year: int) -> str:
    return f"国务院办公厅关于{year}年部分节假日安排的通知"


def build_seed(first_year: int = FIRST_YEAR) -> dict[str, Any]:
    """The exceptions to Monday–Friday from ``first_year`` to the library's last year."""
    from chinese_calendar.constants import Holiday, holidays, workdays

    chinese_name = {member.value: member.chinese for member in Holiday}
    days: list[dict[str, str]] = []
    for day, label in holidays.items():
        if day.year >= first_year and day.weekday() < 5:
            days.append(_row(day, "holiday", chinese_name.get(label, label)))
    for day, label in workdays.items():
        if day.year >= first_year and day.weekday() >= 5:
            days.append(_row(day, "workday", chinese_name.get(label, label)))
    days.sort(key=lambda row: row["date"])
    years = sorted({int(row["date"][:4]) for row in days})
    return {
        "generator": f"chinesecalendar {version('chinesecalendar')}",
        "command": "python manage.py export_calendar_seed",
        "first_year": years[0],
        "last_year": years[-1],
        "days": days,
    }


def _row(day: date, kind: str, name: str) -> dict[str, str]:
    return {"date": day.isoformat(), "kind": kind, "name": name, "source": source_for(day.year)}


def render(seed: dict[str, Any]) -> str:
    """JSON with one day per line, so a year's change reads as a short diff."""
    head = {key: value for key, value in seed.items() if key != "days"}
    lines = [json.dumps(head, ensure_ascii=False)[:-1] + ', "days": [']
    rows = [json.dumps(row, ensure_ascii=False) for row in seed["days"]]
    lines.append(",\n".join(f"  {row}" for row in rows))
    lines.append("]}")
    return "\n".join(lines) + "\n"


class Command(BaseCommand):
    help = "Write credit_portal/data/cn_calendar.json from the chinesecalendar library."
    # Touches no model: a project mid-change must still be able to refresh the seed.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--check", action="store_true", help="Only compare; exit 1 when the file differs.")
        parser.add_argument("--first-year", type=int, default=FIRST_YEAR)

    def handle(self, *args: Any, check: bool, first_year: int, **options: Any) -> None:
        text = render(build_seed(first_year))
        if check:
            current = SEED_PATH.read_text(encoding="utf-8") if SEED_PATH.exists() else ""
            # The generator line names the library version; a version bump with the same
            # days is not staleness.
            if _days(current) != _days(text):
                raise CommandError(f"{SEED_PATH} differs from chinesecalendar's data: run export_calendar_seed.")
            self.stdout.write("Calendar seed is up to date.")
            return
        SEED_PATH.write_text(text, encoding="utf-8")
        seed = json.loads(text)
        self.stdout.write(
            f"Wrote {len(seed['days'])} days ({seed['first_year']}–{seed['last_year']}) to {SEED_PATH}."
        )


def _days(text: str) -> list[dict[str, str]] | None:
    try:
        return json.loads(text)["days"]
    except (ValueError, KeyError):
        return None
