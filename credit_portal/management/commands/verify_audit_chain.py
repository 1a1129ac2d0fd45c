"""``manage.py verify_audit_chain``: check every hash and link of the audit trail (DESIGN §8)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from credit_portal.audit import verify_chain_against


class Command(BaseCommand):
    help = (
        "Walk the audit trail in sequence order, recompute each SM3 hash, keyed MAC and link, check the "
        "anchors (local, the embedded platform's and --anchors) and report entries the chainer left behind. "
        "Exits 0 when the chain is intact, 1 naming the first broken entry otherwise."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--chunk-size", type=int, default=2000, help="Entries read from the database at a time (default 2000)."
        )
        parser.add_argument(
            "--anchors", type=Path, default=None,
            help="JSON file of anchors the municipal platform holds: a list of {\"sequence\", \"head_hash\"} "
                 "(rotation anchors also with \"kind\", \"key_version\", \"rotated_to\", as delivered).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["chunk_size"] < 1:
            raise CommandError("--chunk-size must be at least 1.")
        external = None
        if options["anchors"] is not None:
            try:
                external = json.loads(options["anchors"].read_text(encoding="utf-8"))
            except (OSError, ValueError) as exc:
                raise CommandError(f"--anchors: cannot read a JSON list from that file ({exc}).") from None
            if not isinstance(external, list) or not all(isinstance(item, dict) for item in external):
                raise CommandError("--anchors: the file must hold a JSON list of objects.")
        result = verify_chain_against(chunk_size=options["chunk_size"], external_anchors=external)
        if not result.ok:
            # CommandError: message on stderr, exit status 1.
            raise CommandError(f"Audit chain BROKEN after {result.count} intact entries. {result.message}")
        self.stdout.write(self.style.SUCCESS(result.message))
