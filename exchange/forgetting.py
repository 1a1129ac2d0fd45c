"""What the platform's ledger forgets when the events it stores tell it to (DESIGN §9):
a purge under the 5-year retention (``record.purged``, ``record.versions_purged``,
``finding.purged``, ``level.history_purged``) and a record version showing the conduct
was before the person was 18. The ledger keeps each entry's idempotency key and the
digest of the event as received, so deliveries still reconcile; only the payload is cut
to its ids (``exchange.outbox.REDACTION_KEEPS``), as the sender blanks its outbox.
Called by ``exchange.receiving.store`` in the receiving transaction.
"""

from __future__ import annotations

import functools
from typing import Any, NamedTuple

from django.db import connection
from django.db.models import BooleanField, Q, QuerySet
from django.db.models.expressions import RawSQL

from exchange.models import PlatformLedgerEntry
from exchange.outbox import REDACTION_KEEPS


def apply(inserted: dict[str, dict[str, Any]]) -> None:
    """Forget what the envelopes just stored (by idempotency key) tell the ledger to."""
    lineages: set[str] = set()
    for envelope in inserted.values():
        event_type, payload = envelope["event_type"], envelope["payload"]
        if event_type in PURGE_EVENTS:
            # The events the sender blanked with the deletion, by their keys (a listing's,
            # a case's, a credit level's), whatever they are about.
            _forget_events(payload)
        if event_type == "record.purged":
            _forget(payload)
        elif event_type == "finding.purged":
            _forget_findings(payload)
        elif event_type == "record.versions_purged":
            _forget_versions(payload)
        elif event_type.startswith("record.") and payload.get("subject_was_minor"):
            # Rare: then the ledger's events of the lineage are read (``ledger_lineage``).
            lineages.add(payload["lineage"])
    for lineage in sorted(lineages):
        _forget_before_minor_version(lineage)
    _blank_late_arrivals(inserted, skip=lineages)


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
