"""A purge under the 5-year retention (《征信业管理条例》 art. 16) reaches the exchange:
``record.purged`` tells the platform, and the events that carried the record out of
here keep only ids, type, times and the digest reconciliation compares."""

from __future__ import annotations

import io
import json
from datetime import date

import pytest
import time_machine
from django.core.management import call_command

from archives import services
from archives.models import CreditRecord
from archives.services.retention import PurgeIncomplete
from exchange import delivery, reconcile, schema
from exchange.models import OutboxEvent, PlatformDelivery, PlatformLedgerEntry
from tests.archives.conftest import World, publish_negative
from tests.archives.test_retention import old_record as old_record  # noqa: F401 - fixture re-export

pytestmark = pytest.mark.django_db

PURGE_DAY = date(2025, 6, 16)
PERSONAL = ("subject_id", "subject_index", "name", "title", "decision_number", "deciding_body", "reason")


def _about(record: CreditRecord) -> list[OutboxEvent]:
    ids = [str(pk) for pk in CreditRecord.objects.filter(lineage=record.lineage).values_list("pk", flat=True)]
    return list(OutboxEvent.objects.filter(aggregate_type="archives.creditrecord", aggregate_id__in=ids))


def test_purge_emits_record_purged_and_blanks_delivered_payloads(world: World, old_record: CreditRecord) -> None:
    delivery.deliver_pending()
    carried = _about(old_record)
    assert carried
    assert {e.state for e in carried} == {OutboxEvent.State.DELIVERED}
    title, index = old_record.title, world.subject.id_number_index
    before = {
        e.pk: (
            e.event_type,
            e.created_at,
            e.delivered_at,
            e.aggregate_id,
            e.payload["record_id"],
            e.payload["lineage"],
            e.payload["version"],
        )
        for e in carried
    }
    ids = sorted(CreditRecord.objects.filter(lineage=old_record.lineage).values_list("pk", flat=True))

    assert services.purge_expired_negative_information(today=PURGE_DAY) == 1

    purged = OutboxEvent.objects.get(event_type="record.purged")
    assert purged.payload == {
        "lineage": str(old_record.lineage),
        "record_ids": ids,
        "rule": "art16-5y",
        "purged_on": "2025-06-16",
        "subject_id": str(world.subject.pk),
        "subject_index": index,
        # The events blanked with it, which the platform blanks too.
        "events": sorted(str(pk) for pk in before),
    }
    assert (purged.aggregate_type, purged.aggregate_id) == ("archives.recordlineage", str(old_record.lineage))
    assert schema.problem(schema.envelope_for(purged)) is None
    assert purged.purged_at is None  # the purge event itself is not blanked
    for event in OutboxEvent.objects.filter(pk__in=before):
        # Ids, type and times stay; the person and what the record said go.
        assert (
            event.event_type,
            event.created_at,
            event.delivered_at,
            event.aggregate_id,
            event.payload["record_id"],
            event.payload["lineage"],
            event.payload["version"],
        ) == before[event.pk]
        assert not set(PERSONAL) & set(event.payload)
        assert title not in json.dumps(event.payload, ensure_ascii=False)
        assert event.state == OutboxEvent.State.DELIVERED
        assert event.purged_at is not None
        assert len(event.original_digest) == 64
        assert PlatformDelivery.objects.filter(event=event).exists()
    # Other events (other lineages) keep their content.
    assert not OutboxEvent.objects.filter(purged_at__isnull=False).exclude(pk__in=before).exists()


def test_purged_events_still_reconcile_and_the_ledger_forgets_too(world: World, old_record: CreditRecord) -> None:
    delivery.deliver_pending()
    carried = [e.pk for e in _about(old_record)]
    title = old_record.title
    services.purge_expired_negative_information(today=PURGE_DAY)
    delivery.deliver_pending()
    assert OutboxEvent.objects.get(event_type="record.purged").state == OutboxEvent.State.DELIVERED
    # The digest as sent is kept: the ledger's digest still matches, nothing is "altered".
    result = reconcile.reconcile()
    assert result.ok, result
    assert not result.altered
    out = io.StringIO()
    call_command("reconcile_platform", stdout=out)
    assert "agree" in out.getvalue()
    # The embedded platform applied record.purged to its ledger: keys and digests stay.
    for entry in PlatformLedgerEntry.objects.filter(idempotency_key__in=carried):
        assert title not in json.dumps(entry.payload, ensure_ascii=False)
        assert "subject_index" not in entry.payload
        assert len(entry.digest) == 64


def test_a_purged_event_missing_from_the_ledger_is_not_sent_again(world: World, old_record: CreditRecord) -> None:
    delivery.deliver_pending()
    first = _about(old_record)[0]
    services.purge_expired_negative_information(today=PURGE_DAY)
    delivery.deliver_pending()
    PlatformLedgerEntry.objects.filter(idempotency_key=first.pk).delete()
    assert reconcile.reconcile().missing == [first.pk]
    with pytest.raises(Exception):  # noqa: B017, PT011 - CommandError exit 1, the difference stays named
        call_command("reconcile_platform", "--requeue", stdout=io.StringIO())
    assert OutboxEvent.objects.get(pk=first.pk).state == OutboxEvent.State.DELIVERED


def test_an_undelivered_event_of_a_purged_record_is_never_sent(world: World) -> None:
    with time_machine.travel(date(2020, 7, 1), tick=False):
        record = publish_negative(world, occurred_on=date(2020, 6, 1), decided_on=date(2020, 6, 15))
    pending = _about(record)
    assert {e.state for e in pending} == {OutboxEvent.State.PENDING}
    services.purge_expired_negative_information(today=PURGE_DAY)
    for event in OutboxEvent.objects.filter(pk__in=[e.pk for e in pending]):
        assert event.state == OutboxEvent.State.FAILED
        assert "subject_index" not in event.payload
    delivery.deliver_pending()
    assert not PlatformLedgerEntry.objects.filter(idempotency_key__in=[e.pk for e in pending]).exists()
    assert PlatformLedgerEntry.objects.filter(event_type="record.purged").exists()


def test_a_rolled_back_purge_blanks_nothing(world: World, old_record: CreditRecord, monkeypatch) -> None:
    delivery.deliver_pending()
    from archives import events

    def boom(*args, **kwargs):
        raise RuntimeError("outbox down")

    # Fails after the payloads were blanked in the purge's transaction.
    monkeypatch.setattr(events, "emit", boom)
    with pytest.raises(PurgeIncomplete):  # logged and named; the lineage's transaction rolled back
        services.purge_expired_negative_information(today=PURGE_DAY)
    assert not OutboxEvent.objects.filter(purged_at__isnull=False).exists()
    assert not OutboxEvent.objects.filter(event_type="record.purged").exists()
    assert CreditRecord.objects.filter(lineage=old_record.lineage).exists()


def test_case_events_naming_the_lineage_are_blanked_and_others_kept(world: World, old_record: CreditRecord) -> None:
    from django.db import transaction

    from exchange.outbox import emit

    step = {
        "objection_id": 7,
        "reference": "YY-20200701-ABCDEF",
        "step": "filed",
        "state": "submitted",
        "record_id": old_record.pk,
        "lineage": str(old_record.lineage),
        "accept_due": "2020-07-08",
        "decide_due": None,
        "occurred_at": "2020-07-01T10:00:00+08:00",
        "subject_id": str(world.subject.pk),
        "subject_index": world.subject.id_number_index,
    }
    with transaction.atomic():
        mine = emit("objection.updated", aggregate=("repair.objection", "7"), payload=step)
        other = emit(
            "objection.updated",
            aggregate=("repair.objection", "8"),
            payload={**step, "objection_id": 8, "lineage": "00000000-0000-4000-8000-000000000000"},
        )
    delivery.deliver_pending()
    services.purge_expired_negative_information(today=PURGE_DAY)
    mine.refresh_from_db()
    other.refresh_from_db()
    assert mine.payload == {
        "objection_id": 7,
        "reference": "YY-20200701-ABCDEF",
        "step": "filed",
        "state": "submitted",
        "record_id": old_record.pk,
        "lineage": str(old_record.lineage),
    }
    assert other.purged_at is None
    assert other.payload["subject_index"] == world.subject.id_number_index
