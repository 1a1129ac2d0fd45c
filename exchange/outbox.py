"""The public entry point other apps use to hand a change to the exchange."""

from __future__ import annotations

from typing import Any

from django.db import models, transaction

from exchange.models import OutboxEvent


def emit(event_type: str, *, aggregate: models.Model | tuple[str, str], payload: dict[str, Any]) -> OutboxEvent:
    """Write an outbox event in the caller's transaction.

    Must be called inside ``transaction.atomic()``: the event commits or rolls back
    with the change it describes, so a rolled-back change emits nothing. ``aggregate``
    is the model instance the event is about, or an ``(type, id)`` pair.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("emit() must run inside the transaction of the change it describes.")
    if isinstance(aggregate, models.Model):
        aggregate_type = aggregate._meta.label_lower
        aggregate_id = str(aggregate.pk)
    else:
        aggregate_type, aggregate_id = aggregate
    return OutboxEvent.objects.create(
        event_type=event_type,
        aggregate_type=aggregate_type,
        aggregate_id=aggregate_id,
        payload=payload,
    )
