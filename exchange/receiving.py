"""The platform's receiving side, hosted by this deployment (DESIGN §9).

``receive`` is the one receiving function: the HTTP endpoint calls it with the request
body and headers, and the embedded platform calls it in-process with the very bytes
and headers it would have sent. It verifies the signature, validates each event against
the schema, stores each idempotency key once (``INSERT … ON CONFLICT DO NOTHING``) and
answers one receipt per event: ``accepted`` (stored now), ``duplicate`` (stored before,
nothing changed) or ``rejected`` with a reason.
"""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NamedTuple

from django.db import connection, transaction
from django.utils import timezone

from credit_portal.crypto import sm3_hexdigest
from exchange import conf, forgetting, schema
from exchange.models import PlatformLedgerEntry
from exchange.signing import SignatureError, canonical_text, key_from_setting, verify

ACCEPTED, DUPLICATE, REJECTED = "accepted", "duplicate", "rejected"
RECEIVING_KEY_SETTING = "PLATFORM_SIGNING_KEY"


@dataclass
class Outcome:
    """What the endpoint answers: an HTTP status and a JSON body."""

    status: int
    body: dict[str, Any] = field(default_factory=dict)


def receive(body: bytes, *, timestamp: str | None, signature: str | None) -> Outcome:
    try:
        verify(body, timestamp=timestamp, signature=signature, key=key_from_setting(RECEIVING_KEY_SETTING))
    except SignatureError as exc:
        return Outcome(401, {"error": str(exc)})
    try:
        batch = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return Outcome(400, {"error": "body is not JSON"})
    if not isinstance(batch, dict) or not isinstance(batch.get("events"), list):
        return Outcome(400, {"error": "expected an object with an 'events' list"})
    if batch.get("schema_version") != schema.SCHEMA_VERSION:
        return Outcome(400, {"error": f"unsupported schema_version; this platform speaks {schema.SCHEMA_VERSION}"})
    events = batch["events"]
    if len(events) > conf.integer("EXCHANGE_MAX_BATCH"):
        return Outcome(413, {"error": f"at most {conf.integer('EXCHANGE_MAX_BATCH')} events per batch"})
    # The sender names itself inside the signed body, so the name is authenticated too.
    source = str(batch.get("source") or "")[:100] or "unknown"
    return Outcome(200, {"receipts": store(events, source=source)})


class _Row(NamedTuple):
    """An event that passed the checks: where its receipt is, its SM3 digest, its
    canonical JSON (digested, and on PostgreSQL the text the ledger row is made from),
    the parsed envelope and its parsed ``occurred_at``."""

    index: int
    digest: str
    text: str
    envelope: dict[str, Any]
    occurred_at: datetime


def store(events: list[Any], *, source: str) -> list[dict[str, Any]]:
    """Validate and store a batch; one receipt per event, in order."""
    receipts: list[dict[str, Any]] = []
    # By the key's text in the form str(UUID) gives: a str hashes in C where a UUID (hashed
    # for every look-up here) runs Python code, and the statement returns that text.
    rows: dict[str, _Row] = {}
    for index, (envelope, reason) in enumerate(zip(events, schema.problems(events), strict=True)):
        key_text = envelope.get("idempotency_key") if isinstance(envelope, dict) else None
        receipt: dict[str, Any] = {"idempotency_key": key_text if isinstance(key_text, str) else None}
        receipts.append(receipt)
        if reason:
            receipt.update(status=REJECTED, reason=reason)
            continue
        key = key_text if _UUID_TEXT.fullmatch(key_text) else str(uuid.UUID(key_text))
        try:
            occurred_at = datetime.fromisoformat(envelope["occurred_at"])
        except ValueError:
            occurred_at = None
        if occurred_at is None or occurred_at.tzinfo is None:
            receipt.update(status=REJECTED, reason="occurred_at: not an ISO 8601 date-time with offset")
            continue
        if key in rows:
            receipt["status"] = DUPLICATE
            continue
        # One canonical serialization per event, digested here and (on PostgreSQL) sent
        # as the ledger row itself: the bytes digested are the bytes stored.
        text = canonical_text(envelope)
        rows[key] = _Row(index, sm3_hexdigest(text.encode("utf-8")), text, envelope, occurred_at)
    if rows:
        now = timezone.now()
        with transaction.atomic():
            _lock_lineages({row.envelope["payload"].get("lineage") for row in rows.values()})
            inserted = _insert_ignoring_conflicts(rows, source=source, now=now)
            earlier = {
                str(key): digest for key, digest in PlatformLedgerEntry.objects.filter(
                    idempotency_key__in=[k for k in rows if k not in inserted]
                ).values_list("idempotency_key", "digest")
            } if len(inserted) < len(rows) else {}
            # The platform deletes what the events stored now tell it to (a purge, a
            # minor's version); the ledger keeps each entry's key and digest.
            forgetting.apply({key: rows[key].envelope for key in inserted})
        for key, row in rows.items():
            receipt = receipts[row.index]
            if key in inserted:
                receipt["status"] = ACCEPTED
            elif earlier.get(key) == row.digest:
                receipt["status"] = DUPLICATE
            else:
                receipt.update(status=REJECTED, reason="idempotency key already used for a different event")
    return receipts


_FIELDS = [
    "idempotency_key", "event_type", "schema_version", "occurred_at", "aggregate_type", "aggregate_id",
    "payload", "digest", "source", "received_at",
]
CHUNK = 500
# A key in the form str(uuid.UUID(...)) gives, which the schema's pattern requires; any
# other spelling (should the schema ever allow one) is normalized to it.
_UUID_TEXT = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def _insert_ignoring_conflicts(rows: dict[str, _Row], *, source: str, now: datetime) -> set[str]:
    """One ``INSERT … ON CONFLICT (idempotency_key) DO NOTHING RETURNING`` per chunk
    (PostgreSQL, and SQLite ≥ 3.35): the keys it returns are exactly the events stored
    now, even when another receiver stores the same key at the same moment."""
    items = list(rows.items())
    insert = _insert_chunk_postgresql if connection.vendor == "postgresql" else _insert_chunk
    inserted: set[str] = set()
    for start in range(0, len(items), CHUNK):
        with connection.cursor() as cursor:
            cursor.execute(*insert(items[start:start + CHUNK], source=source, now=now))
            if insert is _insert_chunk_postgresql:
                # Returned as text (``::text``), in the form of the keys of ``rows``.
                inserted.update(value for (value,) in cursor.fetchall())
            else:
                # SQLite returns the stored 32 hex digits.
                inserted.update(str(uuid.UUID(str(value))) for (value,) in cursor.fetchall())
    return inserted


def _insert_chunk_postgresql(items: list[tuple[str, _Row]], *, source: str, now: datetime) -> tuple[str, list[Any]]:
    """The chunk as one JSON parameter, ``[[<canonical event>, "<digest>", "<occurred_at>"], …]``,
    taken apart by the server: where 10 bound values per event each went through
    ``get_db_prep_save`` and client-side quoting (the payload serialized once more), the
    canonical text already made for the digest is reused. ``occurred_at`` is the value
    Python parsed and checked, so the server does not parse the sender's spelling of it."""
    meta = PlatformLedgerEntry._meta
    quote = connection.ops.quote_name
    columns = ", ".join(quote(meta.get_field(name).column) for name in _FIELDS)
    key_column = quote(meta.get_field("idempotency_key").column)
    # Digests are hex and isoformat() has no character JSON escapes: plain quoting suffices.
    document = "[" + ",".join(
        f'[{row.text},"{row.digest}","{row.occurred_at.isoformat()}"]' for _key, row in items
    ) + "]"
    sql = (
        f"INSERT INTO {quote(meta.db_table)} ({columns}) "  # noqa: S608 - names come from the model
        "SELECT (r.e -> 0 ->> 'idempotency_key')::uuid, r.e -> 0 ->> 'event_type',"
        " (r.e -> 0 ->> 'schema_version')::smallint, (r.e ->> 2)::timestamptz,"
        " r.e -> 0 -> 'aggregate' ->> 'type', r.e -> 0 -> 'aggregate' ->> 'id', r.e -> 0 -> 'payload',"
        " r.e ->> 1, %s, %s"
        " FROM jsonb_array_elements(%s::jsonb) AS r(e)"
        f" ON CONFLICT ({key_column}) DO NOTHING RETURNING {key_column}::text"
    )
    return sql, [source, now, document]


def _insert_chunk(items: list[tuple[str, _Row]], *, source: str, now: datetime) -> tuple[str, list[Any]]:
    """The chunk as a multi-row VALUES with each field prepared by its model field (SQLite)."""
    meta = PlatformLedgerEntry._meta
    fields = [meta.get_field(name) for name in _FIELDS]
    quote = connection.ops.quote_name
    key_column = quote(meta.get_field("idempotency_key").column)
    params: list[Any] = []
    for key, row in items:
        env = row.envelope
        values = {
            "idempotency_key": key,
            "event_type": env["event_type"],
            "schema_version": env["schema_version"],
            "occurred_at": row.occurred_at,
            "aggregate_type": env["aggregate"]["type"],
            "aggregate_id": env["aggregate"]["id"],
            "payload": env["payload"],
            "digest": row.digest,
            "source": source,
            "received_at": now,
        }
        params.extend(f.get_db_prep_save(values[f.name], connection) for f in fields)
    placeholders = ", ".join(["(" + ", ".join(["%s"] * len(fields)) + ")"] * len(items))
    sql = (
        f"INSERT INTO {quote(meta.db_table)} ({', '.join(quote(f.column) for f in fields)}) "  # noqa: S608 - names come from the model
        f"VALUES {placeholders} ON CONFLICT ({key_column}) DO NOTHING RETURNING {key_column}"
    )
    return sql, params


def _lock_lineages(lineages: set[object]) -> None:
    """On PostgreSQL, a transaction-scoped advisory lock per lineage of the batch, in one
    order: two senders delivering the same lineage at once (a minor's version and an
    older one still in flight) would each miss the other's uncommitted row, and the older
    one would keep the name. The second now waits for the first and sees its row. (SQLite
    serializes writers anyway.)"""
    keys = sorted(lineage for lineage in lineages if isinstance(lineage, str))
    if not keys or connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_advisory_xact_lock(h) FROM (SELECT DISTINCT hashtextextended(k, 0) AS h FROM unnest(%s::text[]) AS k"
            " ORDER BY h) AS ordered",
            [keys],
        )
