"""Load the official working-day calendar for 2021–2026 (credit_portal/data/cn_calendar.json).

The JSON is generated from the ``chinesecalendar`` library by
``manage.py export_calendar_seed``; this migration reads the committed file, never the
library, and takes only the years listed here so its effect never changes when later
years are appended to the file.
"""

import json
from datetime import date
from pathlib import Path

from django.db import migrations

SEED = Path(__file__).resolve().parent.parent / "data" / "cn_calendar.json"
YEARS = range(2021, 2027)


def _rows():
    days = json.loads(SEED.read_text(encoding="utf-8"))["days"]
    return [row for row in days if int(row["date"][:4]) in YEARS]


def load(apps, schema_editor):
    CalendarDay = apps.get_model("credit_portal", "CalendarDay")
    existing = set(CalendarDay.objects.filter(date__year__in=list(YEARS)).values_list("date", flat=True))
    CalendarDay.objects.bulk_create(
        [
            CalendarDay(
                date=date.fromisoformat(row["date"]), kind=row["kind"], name=row["name"], source=row["source"]
            )
            for row in _rows()
            if date.fromisoformat(row["date"]) not in existing
        ]
    )


def unload(apps, schema_editor):
    CalendarDay = apps.get_model("credit_portal", "CalendarDay")
    CalendarDay.objects.filter(date__in=[date.fromisoformat(row["date"]) for row in _rows()]).delete()


class Migration(migrations.Migration):
    dependencies = [("credit_portal", "0002_audit_append_only")]
    operations = [migrations.RunPython(load, unload)]
