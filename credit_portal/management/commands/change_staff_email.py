"""``manage.py change_staff_email <username> <address>``: set an account's e-mail address from the console.

An administrator's address (system, security or audit administrator) receives that
account's temporary passwords, so no other administrator changes it in the admin
(``credit_portal.services.change_staff_email``); whoever runs commands on the server
does, as at installation. The change is audited, the old address told, and resets are
held back for the cooling-off period as for any other change.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from credit_portal.services import change_staff_email


class Command(BaseCommand):
    help = "Change an account's e-mail address (audited; the old address is told)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("email")

    def handle(self, *args: Any, **options: Any) -> None:
        user = get_user_model().objects.filter(username=options["username"]).first()
        if user is None:
            raise CommandError("No account with that username.")
        try:
            changed = change_staff_email(user, options["email"], by=None)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from None
        self.stdout.write("E-mail address changed." if changed else "The address was already that one.")
