"""Celery tasks of the exchange. Both the commit nudge and the beat sweep run
``deliver_pending``; claiming rows makes any number of concurrent runs safe."""

from __future__ import annotations

from celery import shared_task

from exchange import delivery


@shared_task(ignore_result=True)
def deliver_pending(max_batches: int | None = None) -> int:
    """Deliver due outbox events; returns how many were delivered."""
    return delivery.deliver_pending(max_batches=max_batches).delivered
