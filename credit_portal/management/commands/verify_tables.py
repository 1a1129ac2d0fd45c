"""``manage.py verify_tables``: the tables people rely on against the audit trail
(``credit_portal.trail_checks``; docs/audit.md)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from credit_portal.trail_checks import run_all

SHOWN = 20


class Command(BaseCommand):
    help = (
        "Check the tables people rely on (the query log, department memberships, yearly findings, roles, "
        "objections and repair applications) against the audit entries that "
        "recorded their rows: every row an entry names must exist and say what the entry says. Exits 0 when all "
        "match, 1 listing the differences otherwise."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--chunk-size", type=int, default=2000, help="Entries read at a time (default 2000).")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["chunk_size"] < 1:
            raise CommandError("--chunk-size must be at least 1.")
        failed = []
        for check in run_all(chunk_size=options["chunk_size"]):
            if check.ok:
                self.stdout.write(f"{check.name}: {check.entries} recorded rows match.")
                continue
            shown = "\n".join(check.problems[:SHOWN])
            more = f"\n… and {len(check.problems) - SHOWN} more" if len(check.problems) > SHOWN else ""
            failed.append(f"{check.name}: {len(check.problems)} of {check.entries} do not match:\n{shown}{more}")
        if failed:
            raise CommandError("\n".join(failed))
        self.stdout.write(self.style.SUCCESS("Every checked table matches the audit trail."))
