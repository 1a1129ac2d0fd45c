"""Import a filled-in template from the command line, through the same service as the
upload page::

    python manage.py import_records FILE --department CODE [--submit] [--valid-rows] [--as USERNAME]

Prints progress and a summary; when rows are refused it writes the error report next
to the file and exits with status 1, naming the report's path.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import translation

from archives.intake import importer, reader
from archives.intake.catalogue import choices_for
from archives.intake.jobs import submits_for_review
from archives.intake.report import error_report
from archives.models import CreditRecord
from credit_portal.models import User
from departments.models import Department, Membership, Occupation


class Command(BaseCommand):
    help = "Import credit records from a filled-in Excel template."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--department", required=True, help="Department code.")
        parser.add_argument("--submit", action="store_true", help="Send the records for review (default: the department's setting).")
        parser.add_argument("--valid-rows", action="store_true", help="Write the valid rows even if others are refused.")
        parser.add_argument("--as", dest="username", help="The clerk the records are entered by (default: the department's first clerk).")

    def handle(self, *args: Any, file: Path, department: str, submit: bool, valid_rows: bool, username: str | None,
               **options: Any) -> None:
        with translation.override("zh-hans"):
            self._run(file, department, submit, valid_rows, username)

    def _run(self, file: Path, code: str, submit: bool, valid_rows: bool, username: str | None) -> None:
        try:
            department = Department.objects.get(code=code)
        except Department.DoesNotExist:
            raise CommandError(f"No department with code {code!r}.") from None
        clerks = User.objects.filter(memberships__department=department, memberships__role=Membership.Role.CLERK,
                                     is_active=True)
        clerk = (clerks.filter(username=username) if username else clerks.order_by("pk")).first()
        if clerk is None:
            raise CommandError("No active clerk of this department to enter the records (see --as).")
        try:
            data = file.read_bytes()
        except OSError as exc:
            raise CommandError(f"Cannot read {file}: {exc.strerror}") from None
        try:
            archive = reader.check_container(data)
            _book, occupation_code = reader.check_template(data, archive, occupation=None)
            occupation = Occupation.objects.get(code=occupation_code)
            sheet, _code = reader.open_rows(data, occupation=occupation)
        except reader.WorkbookRefused as exc:
            raise CommandError(exc.message) from None
        except Occupation.DoesNotExist:
            raise CommandError("The template names an occupation the catalogue does not have.") from None
        choices = choices_for(occupation)

        def progress(phase: str, done: int, total: int) -> None:
            self.stdout.write(f"  {phase}: {done}/{total or '?'}")

        try:
            outcome = importer.import_cells(
                sheet.rows, department=department, choices=choices, by=clerk, mode="valid" if valid_rows else "all",
                submit=submit or submits_for_review(department), source=CreditRecord.Source.EXCEL, progress=progress,
                total_hint=sheet.declared_rows,
            )
        except (PermissionDenied, importer.ImportConflict, reader.WorkbookRefused) as exc:
            raise CommandError(getattr(exc, "message", None) or str(exc)) from None
        self.stdout.write(
            f"{occupation.name}: {outcome.total} rows, {outcome.created} records created, "
            f"{outcome.skipped} imported before, {len(outcome.refused)} refused."
        )
        if outcome.refused:
            path = file.with_name(f"{file.stem}.errors.xlsx")
            path.write_bytes(error_report(outcome.rows, occupation=occupation, skipped=set(outcome.existing),
                                          written=outcome.written))
            self.stderr.write(f"Rows were refused{'' if outcome.written else ', nothing was written'}; "
                              f"error report: {path}")
            sys.exit(1)
