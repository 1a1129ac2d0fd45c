"""The receiving ledger read by record lineage through its partial indexes.

``record.purged`` (once per record the nightly retention purge deletes) and a minor's
version read the ledger's events of a lineage through ``ledger_lineage``; each batch
asks ``ledger_minor_lineage`` about its lineages. Both scanned the whole ledger before
(on PostgreSQL the purge's look-up, on SQLite all of them): the same rows, now read
through the index on both databases.
"""

from __future__ import annotations

import itertools
import re
import uuid
from typing import Any

import pytest
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from exchange import forgetting
from exchange.models import PlatformLedgerEntry
from exchange.outbox import REDACTION_KEEPS
from tests.exchange.conftest import envelope, record_payload, signed_post

pytestmark = pytest.mark.django_db

sqlite_only = pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite plans")
postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="index plans: PostgreSQL only (make test with DATABASE_URL)"
)


def _subject() -> dict[str, Any]:
    return {"subject_id": str(uuid.uuid4()), "subject_index": "b" * 64, "name": "测试乙"}


def _minor(lineage: str, *, version: int = 2, record_id: int = 2) -> dict[str, Any]:
    return envelope("record.corrected", record_payload(
        lineage=lineage, version=version, record_id=record_id, supersedes=record_id - 1, subject_was_minor=True,
        name=None, title=None, decision_number=None, deciding_body=None, subject_id=None, subject_index=None),
        aggregate={"type": "archives.creditrecord", "id": str(record_id)})


def _record(event_type: str, lineage: str, *, version: int, record_id: int, **fields: Any) -> dict[str, Any]:
    return envelope(event_type, record_payload(lineage=lineage, version=version, record_id=record_id, **fields),
                    aggregate={"type": "archives.creditrecord", "id": str(record_id)})


def _case_step(lineage: str, *, objection_id: int, record_id: int, **subject: Any) -> dict[str, Any]:
    subject = {key: subject[key] for key in ("subject_id", "subject_index") if key in subject}  # no name in a step
    return envelope("objection.updated", {
        "objection_id": objection_id, "reference": f"YY-20260501-3F9A{objection_id:02d}", "step": "filed",
        "state": "submitted", "record_id": record_id, "lineage": lineage, "accept_due": "2026-05-06",
        "decide_due": None, "occurred_at": "2026-05-01T10:00:00+08:00", **subject,
    }, aggregate={"type": "repair.objection", "id": str(objection_id)})


def _accepted(client: Any, *batches: list[dict[str, Any]]) -> None:
    for batch in batches:
        response = signed_post(client, batch)
        assert response.status_code == 200
        assert {r["status"] for r in response.json()["receipts"]} == {"accepted"}


def _held() -> dict[str, dict[str, Any]]:
    return {str(key): payload for key, payload in PlatformLedgerEntry.objects.values_list("idempotency_key", "payload")}


def _blanked(payload: dict[str, Any]) -> bool:
    return set(payload) <= REDACTION_KEEPS


def _ledger(rows: int = 40) -> tuple[str, str]:
    """A ledger of a few lineages (record and case events), one a minor's, and events
    without a lineage; returns (an adult lineage, the minor's lineage)."""
    now = timezone.now()
    entries, lineages = [], [str(uuid.uuid4()) for _ in range(rows // 4)]
    record_ids = itertools.count(1)
    for lineage in lineages:
        for version in (1, 2):
            record_id = next(record_ids)
            minor = lineage == lineages[-1] and version == 2
            entries.append(("record.corrected" if version == 2 else "record.published", "archives.creditrecord",
                            str(record_id), record_payload(lineage=lineage, version=version, record_id=record_id,
                                                           subject_was_minor=minor)))
        entries.append(("objection.updated", "repair.objection", str(record_id),
                        _case_step(lineage, objection_id=record_id, record_id=record_id)["payload"]))
        entries.append(("subject.renamed", "archives.subject", str(record_id), _subject()))
    PlatformLedgerEntry.objects.bulk_create(
        PlatformLedgerEntry(idempotency_key=uuid.uuid4(), event_type=event_type, schema_version=1, occurred_at=now,
                            aggregate_type=aggregate_type, aggregate_id=aggregate_id, payload=payload,
                            digest="0" * 64, source="test")
        for event_type, aggregate_type, aggregate_id, payload in entries
    )
    return lineages[0], lineages[-1]


# --- The same rows as before ----------------------------------------------------------


def test_a_purged_lineage_is_forgotten_whole_and_nothing_else(client):
    """``record.purged``: the lineage's record events (aggregate in ``record_ids``) and its
    case events (by lineage) are blanked, as the former ``aggregate OR lineage`` look-up
    found them; another lineage, events without one and the purge event itself are kept."""
    lineage, other, subject = str(uuid.uuid4()), str(uuid.uuid4()), _subject()
    first = _record("record.published", lineage, version=1, record_id=11, **subject)
    second = _record("record.corrected", lineage, version=2, record_id=12, supersedes=11, **subject)
    step = _case_step(lineage, objection_id=7, record_id=11, **subject)
    kept = [_record("record.published", other, version=1, record_id=13, **subject),
            _case_step(other, objection_id=8, record_id=13, **subject),
            envelope("subject.renamed", {**subject}, aggregate={"type": "archives.subject", "id": "5"})]
    _accepted(client, [first, second, step, *kept])
    # What the former look-up read is what the index's reads.
    before = Q(aggregate_type="archives.creditrecord", aggregate_id__in=["11", "12"]) | Q(payload__lineage=lineage)
    former = set(PlatformLedgerEntry.objects.filter(before).exclude(event_type="record.purged")
                 .values_list("pk", flat=True))
    assert {entry.pk for entry in forgetting._lineage_entries(lineage)} == former
    assert len(former) == 3

    purged = envelope("record.purged", {
        "lineage": lineage, "record_ids": [11, 12], "rule": "art16-5y", "purged_on": "2026-06-16", **{
            key: subject[key] for key in ("subject_id", "subject_index")}},
        aggregate={"type": "archives.recordlineage", "id": lineage})
    _accepted(client, [purged])
    held = _held()
    assert all(_blanked(held[event["idempotency_key"]]) for event in (first, second, step))
    assert held[step["idempotency_key"]]["lineage"] == lineage  # the ids stay
    assert all(held[event["idempotency_key"]] == event["payload"] for event in (*kept, purged))


@pytest.mark.parametrize("order", ["adult_first", "one_batch", "adult_late", "adult_late_in_a_batch"])
def test_the_versions_before_a_minors_version_are_dropped_whatever_the_order(client, order):
    """As tests/exchange/test_schema.py: ``adult_first`` and ``one_batch`` go through
    ``_forget_before_minor_version`` (``ledger_lineage``), the late ones through
    ``_blank_late_arrivals`` (``ledger_minor_lineage``)."""
    lineage, subject = str(uuid.uuid4()), _subject()
    adult = _record("record.published", lineage, version=1, record_id=1, **subject)
    minor = _minor(lineage)
    later = _record("record.corrected", lineage, version=3, record_id=3, supersedes=2, title="更正后的记录", **subject)
    other = _record("record.published", str(uuid.uuid4()), version=1, record_id=4, **subject)
    batches = {"adult_first": [[adult, other], [minor], [later]], "one_batch": [[adult, minor, later, other]],
               "adult_late": [[minor], [later], [adult, other]], "adult_late_in_a_batch": [[minor], [later, adult, other]]}
    _accepted(client, *batches[order])
    held = _held()
    assert _blanked(held[adult["idempotency_key"]])
    assert held[later["idempotency_key"]]["title"] == "更正后的记录"  # an adult after all: kept
    assert held[other["idempotency_key"]] == other["payload"]  # another lineage


def test_case_events_of_a_minors_lineage_are_dropped_before_and_after_it(client):
    lineage, subject = str(uuid.uuid4()), _subject()
    early = _case_step(lineage, objection_id=6, record_id=1, **subject)
    late = _case_step(lineage, objection_id=7, record_id=1, **subject)
    elsewhere = _case_step(str(uuid.uuid4()), objection_id=8, record_id=1, **subject)
    _accepted(client, [early], [_minor(lineage)], [late, elsewhere])
    held = _held()
    assert "subject_id" not in held[early["idempotency_key"]]  # _forget_before_minor_version
    assert "subject_id" not in held[late["idempotency_key"]]  # _blank_late_arrivals
    assert held[elsewhere["idempotency_key"]]["subject_id"] == subject["subject_id"]


def test_the_look_ups_read_the_same_rows_as_the_orm_alone():
    """The SQLite term only lets the planner use the index: the ORM's filters decide."""
    adult, minor = _ledger()
    for lineage in (adult, minor):
        plain = PlatformLedgerEntry.objects.filter(payload__lineage=lineage).exclude(event_type="record.purged")
        assert {e.pk for e in forgetting._lineage_entries(lineage)} == set(plain.values_list("pk", flat=True))
        assert len(plain) == 3
    assert list(forgetting._minor_versions([adult, minor, str(uuid.uuid4())])) == [(minor, 2, 20)]
    assert list(forgetting._minor_versions([adult])) == []


# --- The plans --------------------------------------------------------------------------


def _index_sql(name: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT sql FROM sqlite_master WHERE type = 'index' AND name = %s", [name])
        (sql,) = cursor.fetchone()
    return sql


@sqlite_only
def test_sqlite_reads_each_lineage_look_up_from_its_index():
    adult, minor = _ledger()
    assert "USING INDEX ledger_lineage (<expr>=?)" in forgetting._lineage_entries(adult).explain()
    assert "USING INDEX ledger_minor_lineage (<expr>=?)" in forgetting._minor_versions([adult, minor]).explain()
    # Without the added term (the ORM alone) SQLite scans: the reason for it.
    plain = PlatformLedgerEntry.objects.filter(payload__lineage=adult).exclude(event_type="record.purged")
    assert "ledger_lineage" not in plain.explain()


@sqlite_only
def test_sqlite_index_ddl_is_the_one_the_look_ups_take_apart():
    """The look-ups embed the index's expression and condition as this database stores
    them: if Django ever writes these indexes otherwise, this fails rather than the
    receiver quietly scanning the ledger."""
    lineage = r"""\(\(CASE WHEN JSON_TYPE\("payload", '\$\."lineage"'\) IN \('(?:true|false|null)','(?:true|false|null)','(?:true|false|null)'\) THEN JSON_TYPE\("payload", '\$\."lineage"'\) ELSE JSON_EXTRACT\("payload", '\$\."lineage"'\) END\)\)"""  # noqa: E501
    ddl = _index_sql("ledger_lineage")
    assert re.fullmatch(
        r'CREATE INDEX "ledger_lineage" ON "exchange_platformledgerentry" \(' + lineage + r"\)"
        r""" WHERE \(JSON_TYPE\("payload", '\$\."lineage"'\) IS NOT NULL AND NOT \("event_type" = 'record\.purged'\)\)""",
        ddl,
    ), ddl
    expression, condition = forgetting._expression_and_condition(ddl)
    assert re.fullmatch(lineage, expression), expression
    assert condition.startswith("(JSON_TYPE(")
    ddl = _index_sql("ledger_minor_lineage")
    expression, condition = forgetting._expression_and_condition(ddl)
    assert re.fullmatch(lineage, expression), expression
    assert condition.startswith("(\"event_type\" LIKE 'record.%%' ESCAPE '\\' AND (CASE WHEN JSON_TYPE(")


@sqlite_only
def test_sqlite_look_ups_follow_the_index_as_this_database_spelled_it():
    """Django lists the JSON types of a key's expression on SQLite from a frozenset, so the
    ``IN (…)`` list is in the order of the migrating process's hash seed: a database
    migrated by another process holds another spelling. The look-ups follow it."""
    adult, minor = _ledger()
    ddl = _index_sql("ledger_lineage")
    (listed,) = set(re.findall(r"IN \(('\w+','\w+','\w+')\)", ddl))
    for order in itertools.permutations(["'true'", "'false'", "'null'"]):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute('DROP INDEX "ledger_lineage"')
            cursor.execute(ddl.replace(listed, ",".join(order)))
            assert "USING INDEX ledger_lineage (<expr>=?)" in forgetting._lineage_entries(adult).explain()
            assert len(forgetting._lineage_entries(adult)) == 3
            transaction.set_rollback(True)


@sqlite_only
def test_sqlite_without_the_index_the_look_up_still_reads_the_same_rows():
    adult, _minor_lineage = _ledger()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute('DROP INDEX "ledger_lineage"')
        assert "SCAN" in forgetting._lineage_entries(adult).explain()
        assert len(forgetting._lineage_entries(adult)) == 3
        transaction.set_rollback(True)


def test_an_index_that_is_not_one_expression_with_a_condition_is_not_taken_apart():
    take_apart = forgetting._expression_and_condition
    assert take_apart('CREATE INDEX "i" ON "t" ("a", "b") WHERE "a" > 0') is None
    assert take_apart('CREATE INDEX "i" ON "t" ((lower("a")))') is None
    assert take_apart("""CREATE INDEX "i" ON "t" ((f("a", ')(,'))) WHERE "b" LIKE 'x%' ESCAPE '\\'""") == (
        """(f("a", ')(,'))""", """"b" LIKE 'x%%' ESCAPE '\\'""",
    )


@postgresql_only
def test_postgresql_reads_each_lineage_look_up_from_its_index():
    """Planned with sequential scans off, as on a ledger of a city's size (the purge's
    look-up scanned 1,000,000 rows in 556 ms while it or-ed the aggregate in)."""
    adult, minor = _ledger()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        forget = forgetting._lineage_entries(adult).explain()
        minors = forgetting._minor_versions([adult, minor]).explain()
    assert "ledger_lineage" in forget, forget
    assert "ledger_minor_lineage" in minors, minors
