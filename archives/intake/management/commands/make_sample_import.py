"""Write a filled-in sample template of synthetic people::

    python manage.py make_sample_import FILE [--occupation teacher] [--rows 200] [--year YYYY]
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from archives.intake.sample import sample_workbook
from credit_portal.demo import refuse_in_production
from departments.models import Occupation


class Command(BaseCommand):
    help = "Write a sample Excel import file of synthetic people."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--occupation", default="teacher")
        parser.add_argument("--rows", type=int, default=200)
        parser.add_argument("--year", type=int, default=None, help="the records' year (default: last year)")

    def handle(self, *args: Any, file: Path, occupation: str, rows: int, year: int | None, **options: Any) -> None:
        try:
            refuse_in_production()
        except Exception as exc:  # noqa: BLE001 - ImproperlyConfigured, shown as a command error
            raise CommandError(str(exc)) from None
        found = Occupation.objects.filter(code=occupation).first()
        if found is None:
            raise CommandError(f"No occupation with code {occupation!r}.")
        if not 1 <= rows <= 100_000:
            raise CommandError("--rows must be between 1 and 100000.")
        file.write_bytes(sample_workbook(found, rows=rows, year=year))
        self.stdout.write(f"Wrote {rows} rows for {found.name} to {file}")
