"""``manage.py issue_enrolment_code <username>``: a second-factor enrolment code from the console.

For installation: the first administrators need an authenticator before anyone can sign
in to issue codes in the admin. Afterwards the security administrator issues them there.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from credit_portal.services import issue_enrolment_code_at_console


class Command(BaseCommand):
    help = "Issue a one-time second-factor enrolment code for an account (shown once; valid 72 hours)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")

    def handle(self, *args: Any, **options: Any) -> None:
        user = get_user_model().objects.filter(username=options["username"], is_active=True).first()
        if user is None:
            raise CommandError("No active account with that username.")
        code = issue_enrolment_code_at_console(user)
        self.stdout.write(f"Enrolment code for {user.get_username()}, shown once, valid 72 hours: {code}")
