"""The public entry point other apps use to hand a change to the exchange."""

from __future__ import annotations

import logging
from typing import Any

from django.db import models, transaction

from exchange.models import OutboxEvent

logger = logging.getLogger(__name__)

# Batches a commit nudge delivers at most. In the embedded profile (eager tasks) the
# nudge runs in the request that committed, so its work stays bounded even when a
# backlog waits; with a worker the beat sweep drains the rest.
NUDGE_BATCHES = 2


def emit(event_type: str, *, aggregate: models.Model | tuple[str, str], payload: dict[str, Any]) -> OutboxEvent:
    """Write an outbox event in the caller's transaction.

    Must be called inside ``transaction.atomic()``: the event commits or rolls back
    with the change it describes, so a rolled-back change emits nothing. ``aggregate``
    is the model instance the event is about, or an ``(type, id)`` pair. The payload
    must conform to the exchange schema (docs/exchange/schema-v1.json); a new event
    type is added there first.

    On commit, one delivery nudge per transaction asks a worker to deliver soon; the
    beat sweep delivers anyway should that message be lost.
    """
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        raise RuntimeError("emit() must run inside the transaction of the change it describes.")
    if isinstance(aggregate, models.Model):
        aggregate_type = aggregate._meta.label_lower
        aggregate_id = str(aggregate.pk)
    else:
        aggregate_type, aggregate_id = aggregate
    event = OutboxEvent.objects.create(
        event_type=event_type,
        aggregate_type=aggregate_type,
        aggregate_id=aggregate_id,
        payload=payload,
    )
    if not any(func is nudge for _sids, func, _robust in connection.run_on_commit):
        transaction.on_commit(nudge, robust=True)
    return event


def nudge() -> None:
    """Ask for delivery now. Never raises: the change is committed and its event is
    safe in the outbox whatever happens here (broker down, platform down)."""
    try:
        from exchange.tasks import deliver_pending

        # retry=False: with the broker down, fail at once rather than hold the
        # user's request through the publish retries; the sweep will deliver.
        deliver_pending.apply_async(kwargs={"max_batches": NUDGE_BATCHES}, retry=False)
    except Exception:
        logger.warning("exchange: delivery nudge failed; the beat sweep will deliver", exc_info=True)
