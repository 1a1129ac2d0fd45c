"""Issue credentials to a department's business system (run by the credit office's
administrator)::

    python manage.py issue_department_system --department education --name "教育局学籍系统"

Prints the key id and secret once; the portal keeps the key id only as a keyed hash
and the secret encrypted.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from archives.intake.systems import issue_system
from departments.models import Department


class Command(BaseCommand):
    help = "Issue signing credentials to a department system."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--department", required=True)
        parser.add_argument("--name", required=True)

    def handle(self, *args: Any, department: str, name: str, **options: Any) -> None:
        try:
            dept = Department.objects.get(code=department)
        except Department.DoesNotExist:
            raise CommandError(f"No department with code {department!r}.") from None
        _system, key_id, secret = issue_system(department=dept, name=name, by=None)
        self.stdout.write(f"key id: {key_id}\nsecret: {secret}\nShown once: store them in the department system.")
