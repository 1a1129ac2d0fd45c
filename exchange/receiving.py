"""The platform's receiving side, hosted by this deployment (DESIGN §9).

``receive`` is the one receiving function: the HTTP endpoint calls it with the request
body and headers, and the embedded platform calls it in-process with the very bytes
and headers it would have sent. It verifies the signature, validates each event against
the schema, stores each idempotency key once (``INSERT … ON CONFLICT DO NOTHING``) and
answers one receipt per event: ``accepted`` (stored now), ``duplicate`` (stored before,
nothing changed) or ``rejected`` with a reason.
"""

from __future__ import annotations

import functools
import json
import re
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NamedTuple

from django.db import connection, transaction
from django.db.models import BooleanField, Q, QuerySet
from django.db.models.expressions import RawSQL
from django.utils import timezone

from credit_portal.crypto import sm3_hexdigest
from exchange import conf, schema
from exchange.models import PlatformLedgerEntry
from exchange.outbox import REDACTION_KEEPS
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
            # The platform deletes what it holds of a purged lineage (record.purged); the
            # ledger keeps each entry's key and digest for reconciliation.
            lineages: set[str] = set()
            for key in inserted:
                envelope = rows[key].envelope
                if envelope["event_type"] in PURGE_EVENTS:
                    # The events the sender blanked with the deletion, by their keys (a
                    # listing's, a case's, a credit level's), whatever they are about.
                    _forget_events(envelope["payload"])
                if envelope["event_type"] == "record.purged":
                    _forget(envelope["payload"])
                elif envelope["event_type"] == "finding.purged":
                    _forget_findings(envelope["payload"])
                elif envelope["event_type"] == "record.versions_purged":
                    _forget_versions(envelope["payload"])
                elif envelope["event_type"].startswith("record.") and envelope["payload"].get("subject_was_minor"):
                    # Rare: then the ledger's events of the lineage are read (``ledger_lineage``).
                    lineages.add(envelope["payload"]["lineage"])
            for lineage in sorted(lineages):
                _forget_before_minor_version(lineage)
            _blank_late_arrivals({key: rows[key].envelope for key in inserted}, skip=lineages)
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


def _forget_before_minor_version(lineage: str) -> int:
    """What the ledger holds of a lineage's versions older than its latest version of
    conduct before 18 is blanked (a correction showed the person was under 18): the
    schema's rule for ``subject_was_minor``. Later versions (a correction showing the
    person was an adult after all) keep what they say. Older versions still to come are
    withheld by the sender (``exchange.outbox.withhold_older``); one already in flight
    is blanked on arrival (``_blank_late_arrivals``)."""
    entries = list(_lineage_entries(lineage))
    newest_minor: _Minor | None = None
    for entry in entries:
        if entry.event_type.startswith("record.") and entry.payload.get("subject_was_minor"):
            newest_minor = _newest(newest_minor, entry.payload)
    if newest_minor is None:
        return 0
    blanked = 0
    for entry in entries:
        if _names_the_person_before(entry.event_type, entry.payload, newest_minor):
            _blank(entry)
            blanked += 1
    return blanked


# A lineage's versions of conduct before 18, found by lineage through a partial index
# that holds only them (``ledger_minor_lineage``): every batch asks it about its own
# lineages, and it stays as small as minors' records are rare. On SQLite the look-up
# spells out the index's expression (``_through_index``).
MINOR_VERSION = Q(event_type__startswith="record.", payload__subject_was_minor=True)


class _Minor(NamedTuple):
    """A lineage's newest version of conduct before 18: its number and its record id."""

    version: int
    record_id: int


def _newest(minor: _Minor | None, payload: dict[str, Any]) -> _Minor:
    found = _Minor(payload.get("version") or 0, payload.get("record_id") or 0)
    return found if minor is None or found.version > minor.version else minor


def _names_the_person_before(event_type: str, payload: dict[str, Any], minor: _Minor) -> bool:
    """Whether an event of a lineage whose version ``minor`` is of conduct before 18
    still says who or what of it: a record version older than it, or a case event naming
    the person on a record up to it (a case on a later version, a correction showing an
    adult after all, names the person as the sender does; record ids grow with the
    versions)."""
    if event_type.startswith("record."):
        return payload.get("version", 0) < minor.version and bool(set(payload) - REDACTION_KEEPS)
    about = payload.get("record_id")
    return payload.get("subject_id") is not None and (not isinstance(about, int) or about <= minor.record_id)


def _blank(entry: PlatformLedgerEntry) -> None:
    """Keep only the ids (``REDACTION_KEEPS``), as the sender blanks its outbox; the digest
    of the event as received stays in ``digest``."""
    entry.payload = {k: v for k, v in entry.payload.items() if k in REDACTION_KEEPS}
    entry.save(update_fields=["payload"])


def _blank_late_arrivals(inserted: dict[str, dict[str, Any]], *, skip: set[str]) -> int:
    """Events stored now on a lineage whose minor's version the ledger already holds: an
    older version the sender had already claimed when the minor's version was written
    (withholding reaches only events not yet claimed) arrives after it, and is blanked
    as ``_forget_before_minor_version`` blanked the ones before it. One look-up per
    batch, through the partial index."""
    by_lineage: dict[str, list[tuple[str, dict[str, Any]]]] = {}
    for key, envelope in inserted.items():
        lineage = envelope["payload"].get("lineage")
        if isinstance(lineage, str) and lineage not in skip and envelope["event_type"] != "record.purged":
            by_lineage.setdefault(lineage, []).append((key, envelope))
    if not by_lineage:
        return 0
    newest: dict[str, _Minor] = {}
    for lineage, version, record_id in _minor_versions(list(by_lineage)):
        newest[lineage] = _newest(newest.get(lineage), {"version": version, "record_id": record_id})
    late = [key for lineage, newest_minor in newest.items() for key, envelope in by_lineage[lineage]
            if _names_the_person_before(envelope["event_type"], envelope["payload"], newest_minor)]
    for entry in PlatformLedgerEntry.objects.select_for_update().filter(idempotency_key__in=late):
        _blank(entry)
    return len(late)


def _minor_versions(lineages: list[str]) -> QuerySet[Any]:
    """(lineage, version, record_id) of the versions of conduct before 18 of ``lineages``,
    read through the partial index ``ledger_minor_lineage``."""
    return _through_index(
        PlatformLedgerEntry.objects.filter(MINOR_VERSION, payload__lineage__in=lineages),
        "ledger_minor_lineage", "IN (" + ", ".join(["%s"] * len(lineages)) + ")", lineages,
    ).order_by().values_list("payload__lineage", "payload__version", "payload__record_id")


def _forget(payload: dict[str, Any]) -> int:
    """Blank the ledger's copies of the events about a purged lineage, as the sender
    blanks its outbox (``exchange.outbox.redact``): the same ids are kept, the digest
    of each event as received stays in ``digest``.

    By lineage alone, through ``ledger_lineage``: the events about the lineage's records
    (aggregate ``archives.creditrecord``, ids ``record_ids``) are its record.* events, and
    every one carries the lineage, a required field of the schema's record payload since
    schema v1 began (docs/exchange/schema-v1.json; the receiver stores only events that
    pass it), which ``archives.events.record_payload`` always sends and a blanked payload
    keeps (``REDACTION_KEEPS``). ``record_ids`` are the pks of the lineage's records
    (``archives.services.retention``), so "aggregate in record_ids" adds no row. The case
    events (objection.*, repair.*, ``repair.services``) have the case as aggregate and
    name the record only through ``lineage``, which they require too. Or-ing the
    aggregate condition in, as before, made PostgreSQL scan the whole ledger."""
    entries = list(_lineage_entries(payload["lineage"]))
    for entry in entries:
        _blank(entry)
    return len(entries)


PURGE_EVENTS = frozenset({"record.purged", "record.versions_purged", "finding.purged", "level.history_purged"})


def _forget_events(payload: dict[str, Any]) -> int:
    """Blank the ledger's copies of the events a purge event names (``events``: the
    sender's blanked events, by idempotency key, through its unique index)."""
    entries = list(PlatformLedgerEntry.objects.select_for_update().filter(
        idempotency_key__in=payload.get("events") or []))
    for entry in entries:
        _blank(entry)
    return len(entries)


def _forget_versions(payload: dict[str, Any]) -> int:
    """Blank the ledger's copies of the events about the purged versions of a lineage
    (``record.versions_purged``): the lineage's events (through ``ledger_lineage``) whose
    ``record_id`` is one of them, their record events and their cases' steps, which name
    the record they were filed against. The lineage's other versions keep theirs."""
    gone = set(payload["record_ids"])
    entries = [entry for entry in _lineage_entries(payload["lineage"])
               if entry.payload.get("record_id") in gone and entry.event_type != "record.versions_purged"]
    for entry in entries:
        _blank(entry)
    return len(entries)


def _forget_findings(payload: dict[str, Any]) -> int:
    """Blank the ledger's copies of the ``finding.signed`` events of purged findings
    (``finding.purged``), as ``_forget`` does for a record lineage; through the partial
    index ``ledger_finding_signed`` (on PostgreSQL; SQLite's planner does not match a
    partial index with a bound value, and its ledger is the embedded profile's)."""
    entries = list(PlatformLedgerEntry.objects.select_for_update().filter(
        event_type="finding.signed", aggregate_id__in=[str(pk) for pk in payload["finding_ids"]]))
    for entry in entries:
        _blank(entry)
    return len(entries)


def _lineage_entries(lineage: str) -> QuerySet[PlatformLedgerEntry]:
    """The ledger's events about ``lineage`` but its record.purged events, locked, read
    through the partial index ``ledger_lineage`` (whose condition is exactly that)."""
    return _through_index(
        PlatformLedgerEntry.objects.select_for_update()
        .filter(payload__lineage=lineage).exclude(event_type="record.purged"),
        "ledger_lineage", "= %s", [lineage],
    )


def _through_index(queryset: QuerySet[Any], index: str, comparison: str, params: list[Any]) -> QuerySet[Any]:
    """``queryset``, which compares the indexed expression of the partial expression
    index ``index`` with ``comparison`` and implies its condition, also made usable by
    SQLite's planner.

    PostgreSQL matches the ORM's query with the index (the JSON key is a literal there).
    SQLite matches an indexed expression only with the same expression, literal for
    literal, and Django binds the JSON paths as parameters, so it scanned the ledger
    (0.7 to 1.6 s per look-up at 300,000 rows). Nor would a fixed spelling of the expression do:
    Django writes the JSON types of ``KeyTransform`` on SQLite from a frozenset, so
    ``IN ('true','false','null')`` comes in the order of the hash seed of the process
    that ran the migration. So the index's own expression and condition are read back
    from this database (``sqlite_master``) and added to the query as one more term; the
    ORM's filters still say which rows are read. Without the index (not migrated), the
    query is left as it is: slower, the same rows."""
    if connection.vendor != "sqlite":
        return queryset
    with connection.cursor() as cursor:
        cursor.execute("SELECT sql FROM sqlite_master WHERE type = 'index' AND name = %s", [index])
        row = cursor.fetchone()
    parts = _expression_and_condition(row[0]) if row and row[0] else None
    if parts is None:
        return queryset
    expression, condition = parts
    # The SQL is the index's DDL as the migration wrote it; the values are parameters.
    term = RawSQL(f"{condition} AND {expression} {comparison}", params, output_field=BooleanField())  # noqa: S611
    return queryset.filter(term)


@functools.lru_cache(maxsize=8)
def _expression_and_condition(ddl: str) -> tuple[str, str] | None:
    """The indexed expression and the condition of ``CREATE INDEX "…" ON "…" (<expression>)
    WHERE <condition>`` as SQL text to embed in a query (``%`` doubled for the driver's
    parameter style), or None if the index is not one expression with a condition."""
    start = ddl.find("(")
    depth, quote, end = 0, "", -1
    for at in range(start, len(ddl)) if start >= 0 else ():
        char = ddl[at]
        if quote:
            quote = "" if char == quote else quote  # a doubled quote closes and reopens: same result
        elif char in "'\"":
            quote = char
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
            if depth == 0:
                end = at
                break
        elif char == "," and depth == 1:
            return None  # more than one indexed column
    rest = ddl[end + 1:].strip() if end > 0 else ""
    if not rest.upper().startswith("WHERE "):
        return None
    expression, condition = ddl[start + 1:end].strip(), rest[len("WHERE "):].strip()
    return expression.replace("%", "%%"), condition.replace("%", "%%")
