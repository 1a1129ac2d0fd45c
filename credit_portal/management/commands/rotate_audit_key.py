"""``manage.py rotate_audit_key [--to N] [--by <user>]``: move the audit chain to a new key version."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from credit_portal.audit_anchor import RotationNotPossible, rotate_key


class Command(BaseCommand):
    help = (
        "Anchor the audit chain head under its current AUDIT_HMAC_KEY version, then continue the chain under "
        "a newer version (default: the highest configured). Add the new version to AUDIT_HMAC_KEY "
        '("1:<old>,2:<new>") and restart every process first; keep the old version as long as entries '
        "MACed with it are kept (docs/audit.md)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--to", type=int, default=None, help="Key version to rotate to (default: the highest).")
        parser.add_argument("--by", default=None, help="Username of the administrator running the rotation.")

    def handle(self, *args: Any, **options: Any) -> None:
        user = None
        if options["by"]:
            user = get_user_model().objects.filter(username=options["by"], is_active=True).first()
            if user is None:
                raise CommandError("No active account with that username.")
        try:
            anchor = rotate_key(to_version=options["to"], by=user)
        except RotationNotPossible as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(self.style.SUCCESS(
            f"Anchored the audit chain at #{anchor.sequence} under key version {anchor.key_version}; "
            f"it continues under version {anchor.rotated_to}."
        ))
