"""The public entry point other apps use to hand a change to the exchange."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import models, transaction
from django.utils import timezone

from exchange import schema
from exchange.models import OutboxEvent

logger = logging.getLogger(__name__)

# Batches a commit nudge delivers at most. In the embedded profile (eager tasks) the
# nudge runs in the request that committed, so its work stays bounded even when a
# backlog waits; with a worker the beat sweep drains the rest.
NUDGE_BATCHES = 2


def fit(text: str, most: int) -> str:
    """``text`` cut to the schema's ``most`` characters, marked as cut with "…": free text
    the portal keeps whole may be longer than the field the platform takes."""
    return text if len(text) <= most else text[: most - 1] + "…"


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
    # Checked against the schema here, as the platform will check it: an event it would
    # reject is never delivered, and re-queueing sends the same payload again, so the
    # platform kept showing what the portal had changed (a repair decided with a 2,100-
    # character reason stayed "published" there). Raised in the change's transaction, the
    # change is not made either. Tens of microseconds (the Rust validator).
    found = schema.problem(schema.envelope_for(event))
    if found is not None:
        raise ValueError(f"exchange: a {event_type} event would be rejected ({found}); nothing was written.")
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


@dataclass(frozen=True)
class DeliveryAlert:
    """What a person must look at in the delivery to the municipal platform: events that
    gave up after ``EXCHANGE_MAX_ATTEMPTS`` (counted up to ``ALERT_COUNT_CAP``, then
    "more"), and the creation time of the oldest event still waiting, when it has waited
    longer than ``EXCHANGE_STALLED_SECONDS``. A repair's result must reach the platform
    within 3 working days (DESIGN §7); retries alone never tell anyone."""

    failed: int
    waiting_since: datetime | None

    @property
    def failed_more(self) -> bool:
        return self.failed >= ALERT_COUNT_CAP


ALERT_COUNT_CAP = 1000


def delivery_alert(*, now: datetime | None = None) -> DeliveryAlert | None:
    """``None`` when delivery is healthy. Two reads bounded whatever the backlog (a
    capped count, the first row of the undelivered index). Events withheld on purpose
    (blanked before they were sent: ``purged_at``) failed by design and are left out."""
    from exchange.conf import number

    failed = OutboxEvent.objects.filter(state=OutboxEvent.State.FAILED, purged_at__isnull=True)[:ALERT_COUNT_CAP].count()
    oldest = (
        OutboxEvent.objects.filter(state=OutboxEvent.State.PENDING)
        .order_by("created_at").values_list("created_at", flat=True).first()
    )
    stalled = oldest is not None and oldest < (now or timezone.now()) - timedelta(
        seconds=number("EXCHANGE_STALLED_SECONDS"))
    if not failed and not stalled:
        return None
    return DeliveryAlert(failed=failed, waiting_since=oldest if stalled else None)


# What a blanked payload keeps: the opaque ids of the sending portal and the step a case
# event marked. Nothing else: the person (subject_id, subject_index, name), titles,
# decision numbers, reasons and dates of the conduct all go.
REDACTION_KEEPS = frozenset({
    "record_id", "lineage", "version", "objection_id", "application_id", "listing_id", "case_id", "finding_id",
    "reference", "step", "state",
})


def redact(*, aggregate_type: str = "", aggregate_ids: Iterable[str] = (), lineage: str | None = None,
           event_ids: Iterable[str] = ()) -> list[str]:
    """Blank the personal content of every event about purged information: the events
    whose aggregate is one of ``aggregate_ids`` of ``aggregate_type``, with ``lineage``
    every event whose payload names that lineage (objection and repair steps of the
    record), and the events ``event_ids`` (a credit level's changes). Must run in the
    purge's transaction. Returns the ids of the events blanked, which the purge's own
    event names, so that the platform blanks exactly those too (``events``).

    Kept, so that deliveries still reconcile (docs/exchange/README.md): the event id
    (the platform's idempotency key), type, schema version, aggregate, creation time
    (``occurred_at``), state, attempts, delivery time, each platform's acknowledgement,
    and, in ``original_digest``, the SM3 digest of the envelope as it was sent, which
    is what the platform's ledger holds. The payload keeps only ``REDACTION_KEEPS``.

    An event not yet delivered is never sent after this (it would carry the content
    the law says to delete): it fails with the reason; the ``record.purged`` event
    tells the platform anyway.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("redact() must run inside the transaction of the purge.")
    from credit_portal.crypto import sm3_hexdigest
    from exchange.signing import canonical_json

    about = models.Q(aggregate_type=aggregate_type, aggregate_id__in=[str(i) for i in aggregate_ids])
    if event_ids:
        about |= models.Q(pk__in=list(event_ids))
    if lineage:
        # Only the event types whose payload has a lineage (read from the schema), so the
        # look-up goes through the event type index rather than every payload.
        about |= models.Q(event_type__in=_types_with("lineage"), payload__lineage=str(lineage))
    now = timezone.now()
    events = list(OutboxEvent.objects.select_for_update().filter(about, purged_at__isnull=True))
    for event in events:
        event.original_digest = sm3_hexdigest(canonical_json(schema.envelope_for(event)))
        _blank(event, now=now, unsent="not sent: the information was purged (retention limit)",
               also=["original_digest"])
    return sorted(str(event.pk) for event in events)


def _blank(event: OutboxEvent, *, now: datetime, unsent: str, also: list[str] | None = None) -> None:
    """Cut ``event``'s payload to ``REDACTION_KEEPS`` and mark it so; one not delivered
    yet fails with ``unsent`` and is never sent (nor re-queued: ``purged_at``)."""
    event.payload = {key: value for key, value in event.payload.items() if key in REDACTION_KEEPS}
    event.purged_at = now
    fields = ["payload", "purged_at", *(also or [])]
    if event.state != OutboxEvent.State.DELIVERED:
        event.state, event.next_attempt_at = OutboxEvent.State.FAILED, None
        event.last_error = unsent
        fields += ["state", "next_attempt_at", "last_error"]
    event.save(update_fields=fields)


def withhold_older(lineage: str, *, version: int) -> int:
    """A record version of conduct before 18 was just written (``archives.events``): the
    lineage's events not delivered (pending, or failed and so re-queueable) that name the
    person are never sent: record events of older versions (they also say what the
    record said) and its cases' events. The platform would otherwise get them after the
    version that tells it to drop them. Blanked and failed with the reason, as a purge
    does. Returns how many."""
    now = timezone.now()
    events = list(
        OutboxEvent.objects.select_for_update().filter(
            state__in=[OutboxEvent.State.PENDING, OutboxEvent.State.FAILED], purged_at__isnull=True,
            event_type__in=_types_with("lineage"), payload__lineage=str(lineage),
        )
    )
    withheld = 0
    for event in events:
        if event.event_type.startswith("record.") and event.payload.get("version", 0) >= version:
            continue
        if event.payload.get("subject_id") is None and not event.payload.get("name"):
            continue  # names no one already
        _blank(event, now=now, unsent="not sent: a later version shows the conduct was before the person was 18")
        withheld += 1
    return withheld


def _types_with(field: str) -> list[str]:
    """The event types whose payload (docs/exchange/schema-v1.json) has ``field``."""
    document = schema.schema()
    types = []
    for branch in document["allOf"]:
        event_type = branch["if"]["properties"]["event_type"]["const"]
        definition = document["$defs"][branch["then"]["properties"]["payload"]["$ref"].rsplit("/", 1)[1]]
        if field in definition.get("properties", {}):
            types.append(event_type)
    return types
