"""``manage.py purge_audit_trail --by <auditor>``: the retention purge (docs/audit.md)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError, CommandParser

from credit_portal.audit_anchor import PurgeNotPossible, PurgeRefused, purge_expired


class Command(BaseCommand):
    help = (
        "Remove audit entries older than AUDIT_RETENTION_DAYS (at least 184), leaving a signed purge anchor "
        "that is delivered to the platform. Run by the audit administrator; on PostgreSQL the delete goes "
        "through AUDIT_MAINTENANCE_DATABASE_URL (a member of the role credit_portal_audit_maintenance)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--by", required=True, help="Username of the audit administrator running the purge.")

    def handle(self, *args: Any, **options: Any) -> None:
        user = get_user_model().objects.filter(username=options["by"], is_active=True).first()
        if user is None:
            raise CommandError("No active account with that username.")
        try:
            anchor = purge_expired(by=user)
        except PermissionDenied:
            raise CommandError("Only the audit administrator may purge the audit trail.") from None
        except PurgeNotPossible as exc:
            raise CommandError(str(exc)) from None
        except PurgeRefused as exc:
            raise CommandError(f"Nothing was purged: {exc}. The entries the purge would delete may be their only "
                               "evidence; resolve them first (manage.py verify_tables).") from None
        if anchor is None:
            self.stdout.write(f"Nothing older than {settings.AUDIT_RETENTION_DAYS} days to purge.")
            return
        self.stdout.write(self.style.SUCCESS(
            f"Purged the audit trail through #{anchor.sequence}; the chain now starts from purge anchor {anchor.pk}."
        ))
