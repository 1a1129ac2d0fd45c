"""Demo data for the exchange: the embedded platform, and delivery of whatever the
other demo loaders emitted, so ``reconcile_platform`` agrees after ``make run``."""

from __future__ import annotations

from typing import TextIO

from exchange import delivery
from exchange.models import MunicipalPlatform, OutboxEvent


def load(stdout: TextIO) -> None:
    MunicipalPlatform.objects.get_or_create(name="embedded", defaults={"embedded": True, "active": True})
    delivered = 0
    while True:
        report = delivery.deliver_pending(budget_seconds=600)
        delivered += report.delivered
        if not report.claimed or report.retrying == report.claimed:
            break
    pending = OutboxEvent.objects.filter(state=OutboxEvent.State.PENDING).count()
    stdout.write(f"exchange: delivered {delivered} events to the platform ledger; {pending} pending\n")
