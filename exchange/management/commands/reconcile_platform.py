"""``manage.py reconcile_platform``: compare what was sent with what the platform
acknowledged; exit 1 naming every difference (DESIGN §9)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils import timezone

from exchange.models import OutboxEvent, OutboxLease, PlatformDelivery
from exchange.reconcile import reconcile

SHOWN = 20


class Command(BaseCommand):
    help = "Compare delivered outbox events with the platform ledger; exit non-zero on any difference."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--source", help="Only ledger entries from this sender (the batch's source).")
        parser.add_argument(
            "--requeue", action="store_true",
            help="Put events the ledger lacks back in the queue, so the next delivery sends them again.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        result = reconcile(source=options.get("source"))
        self.stdout.write(f"sent (delivered in the outbox): {result.sent}")
        self.stdout.write(f"acknowledged (in the ledger): {result.acknowledged}")
        for label, keys in (
            ("delivered but missing from the ledger", result.missing),
            ("in the ledger with different content", result.altered),
            ("in the ledger but unknown to the outbox", result.unknown),
            ("acknowledged, still pending here (transient)", result.in_flight),
        ):
            if keys:
                self.stdout.write(f"{label}: {len(keys)}")
                for key in keys[:SHOWN]:
                    self.stdout.write(f"  {key}")
                if len(keys) > SHOWN:
                    self.stdout.write(f"  … and {len(keys) - SHOWN} more")
        if options["requeue"] and result.missing:
            with transaction.atomic():
                # Forget the acknowledgements too, or the sender would take them as
                # proof of delivery and skip the platform that lost the events.
                # A purged event is not sent again: its content is gone, and the
                # platform was told by record.purged to delete what it held.
                resend = list(OutboxEvent.objects.filter(pk__in=result.missing, purged_at__isnull=True)
                              .values_list("pk", flat=True))
                PlatformDelivery.objects.filter(event_id__in=resend).delete()
                OutboxLease.objects.filter(event_id__in=resend).delete()
                count = OutboxEvent.objects.filter(pk__in=resend).update(
                    state=OutboxEvent.State.PENDING, attempts=0, next_attempt_at=timezone.now(), delivered_at=None
                )
            self.stdout.write(f"re-queued {count} events")
        if not result.ok:
            raise CommandError("the outbox and the platform ledger differ (see above)", returncode=1)
        self.stdout.write(self.style.SUCCESS("outbox and ledger agree"))
