"""``manage.py anchor_audit_chain``: sign the audit chain head now and send it to the platform."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from credit_portal.audit_anchor import anchor_chain
from credit_portal.models import AuditAnchor


class Command(BaseCommand):
    help = (
        "Chain pending audit entries, sign the chain head with AUDIT_HMAC_KEY and deliver it to the "
        "municipal platform through the outbox (the beat does this every AUDIT_ANCHOR_MINUTES)."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        anchor = anchor_chain(kind=AuditAnchor.Kind.ON_DEMAND)
        self.stdout.write(self.style.SUCCESS(f"Anchored the audit chain at #{anchor.sequence} ({anchor.head_hash})."))
