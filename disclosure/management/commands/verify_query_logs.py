"""``manage.py verify_query_logs``: the person's query log against the audit trail
(``disclosure.services.log_check``; docs/audit.md)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from disclosure.services.log_check import check_query_logs

SHOWN = 20


class Command(BaseCommand):
    help = (
        "Check every query the audit trail recorded against the query log people read: the row must exist and say "
        "who queried, whose record, the outcome, reason and channel the entry says. Exits 0 when all match, "
        "1 listing the differences otherwise."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--chunk-size", type=int, default=2000, help="Entries read at a time (default 2000).")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["chunk_size"] < 1:
            raise CommandError("--chunk-size must be at least 1.")
        result = check_query_logs(chunk_size=options["chunk_size"])
        if not result.ok:
            shown = "\n".join(result.problems[:SHOWN])
            more = f"\n… and {len(result.problems) - SHOWN} more" if len(result.problems) > SHOWN else ""
            raise CommandError(
                f"{len(result.problems)} of {result.entries} recorded queries do not match the query log:\n{shown}{more}"
            )
        self.stdout.write(self.style.SUCCESS(f"{result.entries} recorded queries match the query log."))
