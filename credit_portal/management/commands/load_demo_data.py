"""Load the demo data set and print the demo accounts (DESIGN §11).

Calls ``load(stdout)`` of each app's ``demo`` module in order, when the module exists,
in one transaction; a new app adds its data by adding its ``demo`` module. Safe to
run twice: every loader gets or creates, and passwords come from the ignored
``.local/demo_accounts.json``. Refuses to run in production.
"""

from __future__ import annotations

import importlib
import unicodedata
from types import ModuleType
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from credit_portal.audit_anchor import anchor_chain
from credit_portal.demo import DemoAccount, password_file, refuse_in_production
from credit_portal.models import AuditAnchor

DEMO_MODULES = (
    "credit_portal.demo",
    "departments.demo",
    "archives.demo",
    "archives.intake.demo",
    "disclosure.demo",
    # After disclosure.demo: it lists people whose serious records that loader publishes.
    "archives.listing.demo",
    # After archives.listing.demo (it creates the market regulator's clerk); before the
    # levels are assessed and the exchange delivers (the propagated record is one of them).
    "archives.units.demo",
    "repair.demo",
    # After repair.demo: the demo citizen's serious record and listing proposal must not
    # become one of the records that loader files its cases on.
    "archives.listing.demo_citizen",
    # After every app that writes records (each write marks the level due), before the
    # exchange delivers: every archive's level assessed once, its events delivered.
    "archives.levels.demo",
    "exchange.demo",
    # Last: the evaluation keeps the figures of the archives loaded above.
    "departments.city_demo",
)


def _import_if_present(name: str) -> ModuleType | None:
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as exc:
        # Only a missing demo module is skipped; a demo module that fails to import
        # something else is a bug to show.
        if exc.name == name:
            return None
        raise


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


def format_accounts(accounts: list[DemoAccount]) -> str:
    header = ("Username", "Password", "Role", "Try first")
    rows = [header] + [(a.username, a.password, a.role, a.try_first) for a in accounts]
    widths = [max(_width(row[i]) for row in rows) for i in range(3)]
    lines = []
    for index, row in enumerate(rows):
        lines.append("  ".join([*(_pad(row[i], widths[i]) for i in range(3)), row[3]]).rstrip())
        if index == 0:
            lines.append("  ".join(["-" * w for w in widths] + ["-" * len(header[3])]))
    return "\n".join(lines)


class Command(BaseCommand):
    help = "Create the demo data set (one account per role and more) and print the demo accounts."

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            refuse_in_production()
        except ImproperlyConfigured as exc:
            raise CommandError(str(exc)) from None
        accounts: list[DemoAccount] = []
        with transaction.atomic():
            for name in DEMO_MODULES:
                module = _import_if_present(name)
                if module is None:
                    continue
                accounts.extend(module.load(self.stdout) or [])
        # The auditor's maintenance page then shows an anchor of the demo's trail, sent to
        # the embedded platform, as the beat makes it (not repeated when a second run
        # wrote nothing new).
        anchor = anchor_chain(kind=AuditAnchor.Kind.PERIODIC)
        self.stdout.write(f"Audit chain anchored at #{anchor.sequence}.")
        self.stdout.write("")
        self.stdout.write(f"Demo accounts (development only; passwords kept in {password_file()}):")
        self.stdout.write(format_accounts(accounts))
