"""Delivery of the outbox to the municipal platform endpoints (DESIGN §9).

A sender claims due events in one short transaction, writing an ``OutboxLease`` per
event (``… FOR UPDATE SKIP LOCKED`` on PostgreSQL, so concurrent senders take different
rows, and the lease's primary key as the arbiter, so an event is never leased twice;
on SQLite the IMMEDIATE transaction serializes claims) and counting the attempt. It
then posts the batch, signed, to each active platform that has not yet acknowledged
those events, records the acknowledgements and marks the events delivered, releasing
their leases. A sender killed mid-way leaves its leases to run out; the next sweep
sends the batch again and the platform answers ``duplicate``, so nothing is lost and
nothing takes effect twice. Failures back off exponentially with jitter; after
``EXCHANGE_MAX_ATTEMPTS`` the event is ``failed`` and shown to the credit office.
"""

from __future__ import annotations

import json
import logging
import random
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from exchange import conf, receiving, schema
from exchange.models import MunicipalPlatform, OutboxEvent, OutboxLease, PlatformDelivery
from exchange.signing import SIGNATURE_HEADER, TIMESTAMP_HEADER, canonical_json, key_from_setting, sign

logger = logging.getLogger(__name__)
State = OutboxEvent.State


class DeliveryError(Exception):
    """The platform could not be reached or did not answer with receipts."""


@dataclass
class Report:
    claimed: int = 0
    delivered: int = 0
    retrying: int = 0
    failed: int = 0


def source_name() -> str:
    return f"credit-portal:{settings.PORTAL_REGION}"[:100]


def active_platforms() -> list[MunicipalPlatform]:
    """The endpoints to deliver to. With none configured at all, the embedded default
    (this deployment's own ledger) is created, so a bare install works end to end."""
    platforms = list(MunicipalPlatform.objects.filter(active=True))
    if not platforms and not MunicipalPlatform.objects.filter(embedded=True).exists():
        embedded, _ = MunicipalPlatform.objects.get_or_create(
            name="embedded", defaults={"embedded": True, "active": True}
        )
        platforms = [embedded] if embedded.active else []
    return platforms


def backoff_seconds(attempts: int, *, rng: random.Random | None = None) -> float:
    """base · 2^(attempts−1), capped, times a jitter in [½, 1] so retries of many
    senders do not arrive at the platform in step."""
    base = conf.number("EXCHANGE_BACKOFF_BASE_SECONDS")
    cap = conf.number("EXCHANGE_BACKOFF_CAP_SECONDS")
    delay = min(cap, base * 2 ** max(0, attempts - 1))
    return delay * (0.5 + 0.5 * (rng or random).random())  # noqa: S311 - jitter, not a secret


def claim(limit: int) -> list[OutboxEvent] | list[ClaimedEvent]:
    """Take up to ``limit`` due events for this sender, committed before any sending."""
    if connection.vendor == "postgresql":
        return _claim_in_one_statement(limit)
    return _claim_in_two_statements(limit)


def _claim_in_two_statements(limit: int) -> list[OutboxEvent]:
    """SELECT … FOR UPDATE SKIP LOCKED, then the leases, in one transaction: the claim on
    SQLite (whose IMMEDIATE transaction serializes claims anyway), and on PostgreSQL the
    form bench/run.py --compare measures against the one statement. (On PostgreSQL a row
    read just before another sender's claim committed could be leased twice here, which
    the one statement's ``ON CONFLICT`` arbiter prevents; the resend would be a duplicate.)"""
    with transaction.atomic():
        now = timezone.now()
        events = list(
            OutboxEvent.objects.select_for_update(skip_locked=True)
            .filter(state=State.PENDING, next_attempt_at__lte=now)
            .exclude(lease__leased_until__gt=now)
            .order_by("next_attempt_at")[:limit]
        )
        if events:
            ids = [e.pk for e in events]
            # An expired lease is a sender that died holding the event: its attempt counts.
            earlier = dict(OutboxLease.objects.filter(event_id__in=ids).values_list("event_id", "attempts"))
            OutboxLease.objects.filter(event_id__in=ids).delete()
            until = now + timedelta(seconds=conf.number("EXCHANGE_LEASE_SECONDS"))
            for event in events:
                event.attempts = max(event.attempts, earlier.get(event.pk, 0)) + 1
            OutboxLease.objects.bulk_create(
                [OutboxLease(event_id=e.pk, leased_until=until, attempts=e.attempts) for e in events]
            )
    return events


@dataclass(slots=True)
class ClaimedEvent:
    """What sending an event needs, read by the one-statement claim without building a
    model instance (``schema.envelope_for`` reads the same attributes)."""

    id: uuid.UUID
    event_type: str
    schema_version: int
    created_at: datetime
    aggregate_type: str
    aggregate_id: str
    payload: dict[str, Any]
    attempts: int

    @property
    def pk(self) -> uuid.UUID:
        return self.id


_CLAIMED_COLUMNS = (
    "id", "event_type", "schema_version", "created_at", "aggregate_type", "aggregate_id", "payload", "attempts"
)


def _claim_in_one_statement(limit: int) -> list[ClaimedEvent]:
    """The claim as one statement: the due rows without a live lease are locked (skipping
    rows another sender holds), leased and returned in a single round trip. The outbox
    row itself is not rewritten: only a narrow lease row is written (one index), where
    moving the row's ``next_attempt_at`` rewrote it with every index of the table.

    The lease's primary key is the arbiter: a row read before another sender's claim
    committed is locked after it, and its lease is then found by ``ON CONFLICT``, which
    sees the latest committed row (not the statement's snapshot), takes it over only if
    it has run out, and otherwise returns nothing for it."""
    outbox, leases = OutboxEvent._meta, OutboxLease._meta
    quote = connection.ops.quote_name
    columns = ", ".join("o." + quote(outbox.get_field(name).column) for name in _CLAIMED_COLUMNS if name != "attempts")
    table, lease_table = outbox.db_table, leases.db_table
    now = timezone.now()
    until = now + timedelta(seconds=conf.number("EXCHANGE_LEASE_SECONDS"))
    sql = (
        "WITH due AS ("  # noqa: S608 - table and column names from the models, values as parameters
        f" SELECT o.id, o.attempts FROM {table} o WHERE o.state = %s AND o.next_attempt_at <= %s"
        f" AND NOT EXISTS (SELECT 1 FROM {lease_table} l WHERE l.event_id = o.id AND l.leased_until > %s)"
        " ORDER BY o.next_attempt_at LIMIT %s FOR UPDATE OF o SKIP LOCKED),"
        f" leased AS (INSERT INTO {lease_table} AS l (event_id, leased_until, attempts)"
        " SELECT id, %s, attempts + 1 FROM due"
        " ON CONFLICT (event_id) DO UPDATE SET leased_until = EXCLUDED.leased_until,"
        " attempts = GREATEST(l.attempts, EXCLUDED.attempts - 1) + 1 WHERE l.leased_until <= %s"
        " RETURNING event_id, attempts)"
        f" SELECT {columns}, leased.attempts FROM leased JOIN {table} o ON o.id = leased.event_id"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [State.PENDING, now, now, limit, until, now])
        rows = cursor.fetchall()
    # Django hands jsonb to the JSONField as text (it parses it there); uuid and
    # timestamptz arrive as uuid.UUID and aware datetimes, as the model would hold them.
    events = [
        ClaimedEvent(pk, event_type, version, created_at, aggregate_type, aggregate_id,
                     _parse_jsonb(payload) if isinstance(payload, str) else payload, attempts)
        for pk, event_type, version, created_at, aggregate_type, aggregate_id, payload, attempts in rows
    ]
    events.sort(key=lambda event: event.id.int)  # the order of UUIDs, compared as integers in C
    return events


_SCAN = json.JSONDecoder().scan_once


def _parse_jsonb(text: str) -> Any:
    """``json.loads`` of PostgreSQL's text of a jsonb value, by the decoder's C scanner
    alone: that text is one JSON value with no whitespace around it, so the two regular
    expressions json.loads runs for surrounding whitespace are skipped (≈ 1.5 µs of ≈ 6
    per payload). Anything else is left to json.loads, errors included."""
    try:
        value, end = _SCAN(text, 0)
    except StopIteration:
        return json.loads(text)
    return value if end == len(text) else json.loads(text)


def _batch_body(events: Sequence[OutboxEvent | ClaimedEvent]) -> bytes:
    return canonical_json({
        "schema_version": schema.SCHEMA_VERSION,
        "source": source_name(),
        "events": [schema.envelope_for(e) for e in events],
    })


def post_batch(platform: MunicipalPlatform, events: Sequence[OutboxEvent | ClaimedEvent]) -> dict[str, dict[str, Any]]:
    """Send ``events`` to ``platform``; the receipts by idempotency key."""
    body = _batch_body(events)
    headers = sign(body, key=key_from_setting(platform.signing_key_setting))
    if platform.embedded:
        try:
            outcome = receiving.receive(
                body, timestamp=headers[TIMESTAMP_HEADER], signature=headers[SIGNATURE_HEADER]
            )
        except Exception as exc:  # the in-process platform failing is a delivery failure like any other
            raise DeliveryError(f"embedded platform error: {type(exc).__name__}") from exc
        status, data = outcome.status, outcome.body
    else:
        request = urllib.request.Request(  # noqa: S310 - the URL is an https/http endpoint set by the credit office
            platform.url,
            data=body,
            method="POST",
            headers={**headers, "Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=conf.number("EXCHANGE_HTTP_TIMEOUT_SECONDS")) as response:  # noqa: S310
                status, raw = response.status, response.read()
        except urllib.error.HTTPError as exc:
            status, raw = exc.code, exc.read()
        except (OSError, ValueError) as exc:  # URLError, timeouts, resets
            raise DeliveryError(f"transport: {type(exc).__name__}: {str(exc)[:200]}") from exc
        try:
            data = json.loads(raw) if raw else {}
        except ValueError:
            data = {}
    if status != 200:
        detail = data.get("error", "") if isinstance(data, dict) else ""
        raise DeliveryError(f"HTTP {status} {detail}".strip())
    receipts = data.get("receipts") if isinstance(data, dict) else None
    if not isinstance(receipts, list):
        raise DeliveryError("answer without receipts")
    return {r.get("idempotency_key"): r for r in receipts if isinstance(r, dict)}


def deliver_batch(events: Sequence[OutboxEvent | ClaimedEvent], platforms: list[MunicipalPlatform]) -> Report:
    report = Report(claimed=len(events))
    # Each event's id as text, made once: the receipts are keyed by it and the statements
    # take it, and a str hashes in C where a UUID (hashed for every set and dict look-up
    # below) runs Python code.
    keys = [str(e.id) for e in events]
    # Only a sender that claimed an event writes its acknowledgements, so on a first
    # attempt there are none to read: the round trip is saved on the common path. (An
    # event re-queued by hand may have some; posting it again is answered "duplicate",
    # so the ledger still holds it once.)
    if all(e.attempts <= 1 for e in events):
        acked: set[tuple[str, int]] = set()
    else:
        acked = {
            (str(event_id), platform_id)
            for event_id, platform_id in PlatformDelivery.objects.filter(event_id__in=keys).values_list(
                "event_id", "platform_id"
            )
        }
    errors: dict[str, str] = {}
    rejected: dict[str, str] = {}
    acks: list[tuple[str, int, str]] = []  # (event, platform, receipt)
    for platform in platforms:
        platform_id = platform.pk
        if acked or rejected:
            todo = [(k, e) for k, e in zip(keys, events, strict=True) if (k, platform_id) not in acked and k not in rejected]
        else:
            todo = list(zip(keys, events, strict=True))
        if not todo:
            continue
        try:
            receipts = post_batch(platform, [e for _k, e in todo])
        except DeliveryError as exc:
            logger.warning("exchange: delivery of %d events to %s failed: %s", len(todo), platform.name, exc)
            for key, _event in todo:
                errors[key] = f"{platform.name}: {exc}"
            continue
        for key, _event in todo:
            receipt = receipts.get(key)
            status = receipt.get("status") if receipt else None
            if status in (receiving.ACCEPTED, receiving.DUPLICATE):
                acks.append((key, platform_id, status))
            elif status == receiving.REJECTED:
                rejected[key] = f"{platform.name}: rejected: {receipt.get('reason', '')}"
            else:
                errors[key] = f"{platform.name}: no receipt for this event"
    now = timezone.now()
    if errors or rejected:
        done = [(k, e) for k, e in zip(keys, events, strict=True) if k not in errors and k not in rejected]
    else:
        done = list(zip(keys, events, strict=True))
    report.delivered = _record_acknowledgements(acks, done, now=now)
    # A rejection is permanent for this version of the event: retrying cannot help.
    for key, event in zip(keys, events, strict=True):
        if key in rejected:
            report.failed += _release(
                [event], state=State.FAILED, last_error=rejected[key][:1000], next_attempt_at=None
            )
    if errors:
        limit = conf.integer("EXCHANGE_MAX_ATTEMPTS")
        by_attempts: dict[int, list[OutboxEvent | ClaimedEvent]] = {}
        for key, event in zip(keys, events, strict=True):
            if key in errors:
                by_attempts.setdefault(event.attempts, []).append(event)
        message = next(iter(errors.values()))[:1000]
        for attempts, failing in by_attempts.items():
            if attempts >= limit:
                report.failed += _release(failing, state=State.FAILED, last_error=message, next_attempt_at=None)
            else:
                due = now + timedelta(seconds=backoff_seconds(attempts))
                report.retrying += _release(failing, last_error=message, next_attempt_at=due)
    return report


def _release(events: Sequence[OutboxEvent | ClaimedEvent], **fields: Any) -> int:
    """End the attempt on ``events`` (all with the same ``attempts``) while still pending:
    write ``fields`` and the attempt count into the event, delete the leases. Returns
    how many were still pending."""
    ids = [e.pk for e in events]
    with transaction.atomic():
        count = OutboxEvent.objects.filter(pk__in=ids, state=State.PENDING).update(
            attempts=events[0].attempts, **fields
        )
        OutboxLease.objects.filter(event_id__in=ids).delete()
    return count


def _record_acknowledgements(
    acks: list[tuple[str, int, str]], done: Sequence[tuple[str, OutboxEvent | ClaimedEvent]], *, now: datetime
) -> int:
    """Store the platforms' acknowledgements (event id as text, platform, receipt), mark
    the events ``done`` (id as text, event) delivered (only those still pending, with
    their attempt count) and delete their leases; returns how many were marked. On PostgreSQL one statement does it all (the insert and the delete
    as data-modifying CTEs); elsewhere a transaction of a few."""
    if connection.vendor == "postgresql" and acks and done:
        deliveries, outbox = PlatformDelivery._meta.db_table, OutboxEvent._meta.db_table
        leases = OutboxLease._meta.db_table
        done_ids = _array(k for k, _e in done)
        with connection.cursor() as cursor:
            cursor.execute(
                "WITH acks AS ("  # noqa: S608 - table names from the models, values as parameters
                f" INSERT INTO {deliveries} (event_id, platform_id, acknowledged_at, receipt)"
                " SELECT event_id, platform_id, %s, receipt"
                " FROM unnest(%s::uuid[], %s::bigint[], %s::varchar[]) AS a(event_id, platform_id, receipt)"
                " ON CONFLICT (event_id, platform_id) DO NOTHING),"
                f" released AS (DELETE FROM {leases} WHERE event_id = ANY(%s::uuid[]))"
                f" UPDATE {outbox} o SET state = %s, delivered_at = %s, last_error = '', next_attempt_at = NULL,"
                " attempts = d.attempts"
                " FROM unnest(%s::uuid[], %s::integer[]) AS d(id, attempts)"
                # The id list once more, so that the rows are found by the primary key
                # rather than by hashing the whole pending part of the table.
                " WHERE o.id = d.id AND o.id = ANY(%s::uuid[]) AND o.state = %s",
                [
                    # Array literals as one text each (uuids, integers and the two receipt
                    # words need no quoting) rather than 500 values adapted one by one.
                    now, _array(a[0] for a in acks), _array(a[1] for a in acks), _array(a[2] for a in acks),
                    done_ids, State.DELIVERED, now, done_ids, _array(e.attempts for _k, e in done), done_ids, State.PENDING,
                ],
            )
            return cursor.rowcount
    with transaction.atomic():
        PlatformDelivery.objects.bulk_create(
            [PlatformDelivery(event_id=event, platform_id=platform, receipt=receipt, acknowledged_at=now)
             for event, platform, receipt in acks],
            ignore_conflicts=True,
        )
        by_attempts: dict[int, list[Any]] = {}
        for key, event in done:
            by_attempts.setdefault(event.attempts, []).append(key)
        marked = 0
        for attempts, ids in by_attempts.items():
            marked += OutboxEvent.objects.filter(pk__in=ids, state=State.PENDING).update(
                state=State.DELIVERED, delivered_at=now, last_error="", next_attempt_at=None, attempts=attempts
            )
        OutboxLease.objects.filter(event_id__in=[k for k, _e in done]).delete()
    return marked


def _array(values: Iterable[Any]) -> str:
    """A PostgreSQL array literal of values that need no quoting (uuids, integers, plain words)."""
    return "{" + ",".join(map(str, values)) + "}"


def deliver_pending(*, max_batches: int | None = None, budget_seconds: float | None = None) -> Report:
    """Deliver due events batch by batch until none is due, ``max_batches`` were sent
    or the time budget is spent. Safe to run any number of times concurrently."""
    total = Report()
    platforms = active_platforms()
    if not platforms:
        return total
    size = conf.integer("EXCHANGE_BATCH_SIZE")
    budget = conf.number("EXCHANGE_TASK_BUDGET_SECONDS") if budget_seconds is None else budget_seconds
    deadline = time.monotonic() + budget
    batches = 0
    while time.monotonic() < deadline and (max_batches is None or batches < max_batches):
        events = claim(size)
        if not events:
            break
        batches += 1
        report = deliver_batch(events, platforms)
        for name in ("claimed", "delivered", "retrying", "failed"):
            setattr(total, name, getattr(total, name) + getattr(report, name))
        if report.retrying == report.claimed:
            # The platform is down: stop here rather than spend one timeout per batch;
            # the backoff brings these events back and the sweep tries again.
            break
    return total
