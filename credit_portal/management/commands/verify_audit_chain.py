"""``manage.py verify_audit_chain``: check every hash and link of the audit trail (DESIGN §8)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from credit_portal.audit import verify_chain


class Command(BaseCommand):
    help = (
        "Walk the audit trail in sequence order, recompute each SM3 hash and check each link. "
        "Exits 0 when the chain is intact, 1 naming the first broken entry otherwise."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--chunk-size", type=int, default=2000, help="Entries read from the database at a time (default 2000)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["chunk_size"] < 1:
            raise CommandError("--chunk-size must be at least 1.")
        result = verify_chain(chunk_size=options["chunk_size"])
        if not result.ok:
            # CommandError: message on stderr, exit status 1.
            raise CommandError(f"Audit chain BROKEN after {result.count} intact entries. {result.message}")
        self.stdout.write(self.style.SUCCESS(result.message))
