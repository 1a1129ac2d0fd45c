"""Delivery from the outbox: commit nudge, claims, backoff, retry limit, exactly-once ledger."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
import time_machine
from django.db import transaction
from django.utils import timezone

from exchange import delivery, outbox, receiving, schema
from exchange.models import MunicipalPlatform, OutboxEvent, PlatformDelivery, PlatformLedgerEntry
from exchange.signing import canonical_json
from exchange.tasks import deliver_pending
from tests.exchange.conftest import http_platform, make_events, record_payload

State = OutboxEvent.State


def _emit(n: int = 1) -> list[OutboxEvent]:
    with transaction.atomic():
        return [outbox.emit("record.published", aggregate=("archives.creditrecord", str(i)),
                            payload=record_payload(record_id=i + 1)) for i in range(n)]


@pytest.mark.django_db(transaction=True)
def test_emit_outside_a_transaction_is_refused():
    with pytest.raises(RuntimeError):
        outbox.emit("record.published", aggregate=("archives.creditrecord", "1"), payload=record_payload())


@pytest.mark.django_db
def test_one_nudge_per_transaction_queued_on_commit(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        _emit(3)
    assert callbacks == [outbox.nudge]


@pytest.mark.django_db
def test_rolled_back_transaction_emits_nothing(django_capture_on_commit_callbacks):
    def change_that_fails() -> None:
        with transaction.atomic():
            outbox.emit("record.published", aggregate=("archives.creditrecord", "1"), payload=record_payload())
            raise ZeroDivisionError

    with django_capture_on_commit_callbacks() as callbacks:
        pytest.raises(ZeroDivisionError, change_that_fails)
    assert callbacks == []
    assert not OutboxEvent.objects.exists()


@pytest.fixture
def eager(monkeypatch):
    """The embedded profile: tasks run in-process (also when the suite runs with REDIS_URL)."""
    from credit_portal.celery import app

    monkeypatch.setattr(app.conf, "task_always_eager", True)


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("eager")
def test_embedded_profile_delivers_right_after_commit_through_the_receiving_function():
    (event,) = _emit(1)
    event.refresh_from_db()
    assert event.state == State.DELIVERED
    entry = PlatformLedgerEntry.objects.get(idempotency_key=event.pk)
    assert entry.payload == event.payload
    assert PlatformDelivery.objects.get(event=event).platform.embedded


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("eager")
def test_delivery_error_in_the_nudge_never_reaches_the_caller(monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("platform database on fire")

    monkeypatch.setattr(receiving, "receive", broken)
    (event,) = _emit(1)  # does not raise
    event.refresh_from_db()
    assert event.state == State.PENDING
    assert event.attempts == 1
    assert "embedded platform error" in event.last_error
    assert event.next_attempt_at > timezone.now()


@pytest.mark.django_db
def test_task_payload_survives_json_and_delivers_due_events():
    make_events(3)
    assert json.loads(json.dumps({"max_batches": outbox.NUDGE_BATCHES}))["max_batches"] == 2
    assert deliver_pending.run() == 3
    assert PlatformLedgerEntry.objects.count() == 3
    assert deliver_pending.run() == 0  # safe to run twice


@pytest.mark.django_db
def test_delivery_goes_in_batches_and_each_event_lands_once(settings):
    settings.EXCHANGE_BATCH_SIZE = 4
    make_events(10)
    report = delivery.deliver_pending(max_batches=2)
    assert (report.claimed, report.delivered) == (8, 8)
    delivery.deliver_pending()
    assert OutboxEvent.objects.filter(state=State.DELIVERED).count() == 10
    assert PlatformLedgerEntry.objects.count() == 10


@pytest.mark.django_db
def test_unreachable_platform_backs_off_then_fails_after_the_limit(settings, free_port):
    settings.EXCHANGE_MAX_ATTEMPTS = 3
    settings.EXCHANGE_BACKOFF_BASE_SECONDS = 10
    settings.EXCHANGE_HTTP_TIMEOUT_SECONDS = 2
    http_platform(f"http://127.0.0.1:{free_port}/exchange/receive/")
    (event,) = make_events(1)
    start = timezone.now()
    report = delivery.deliver_pending()
    assert report.retrying == 1
    event.refresh_from_db()
    assert (event.state, event.attempts) == (State.PENDING, 1)
    assert event.last_error.startswith("city: transport")
    # First retry after 10 s · jitter in [½, 1].
    assert start + timedelta(seconds=5) <= event.next_attempt_at <= timezone.now() + timedelta(seconds=10)
    assert delivery.deliver_pending().claimed == 0  # not due yet
    for expected in (2, 3):
        with time_machine.travel(event.next_attempt_at + timedelta(seconds=1)):
            delivery.deliver_pending()
        event.refresh_from_db()
        assert event.attempts == expected
    assert event.state == State.FAILED
    assert not PlatformLedgerEntry.objects.exists()


def test_backoff_grows_exponentially_within_the_cap(settings):
    settings.EXCHANGE_BACKOFF_BASE_SECONDS = 2
    settings.EXCHANGE_BACKOFF_CAP_SECONDS = 60

    class Top:
        def random(self) -> float:
            return 0.999999

    assert [round(delivery.backoff_seconds(n, rng=Top())) for n in (1, 2, 3, 4, 10)] == [2, 4, 8, 16, 60]


@pytest.mark.django_db
def test_rejected_event_fails_at_once_and_others_are_delivered():
    good, = make_events(1)
    bad = OutboxEvent.objects.create(event_type="record.published", aggregate_type="archives.creditrecord",
                                     aggregate_id="9", payload=record_payload(phone="13800000000"))
    delivery.deliver_pending()
    good.refresh_from_db()
    bad.refresh_from_db()
    assert good.state == State.DELIVERED
    assert bad.state == State.FAILED
    assert "rejected" in bad.last_error
    assert "13800000000" not in bad.last_error
    assert list(PlatformLedgerEntry.objects.values_list("idempotency_key", flat=True)) == [good.pk]


@pytest.mark.django_db
def test_a_killed_sender_loses_nothing_and_duplicates_nothing(settings):
    settings.EXCHANGE_LEASE_SECONDS = 30
    events = make_events(5)
    claimed = delivery.claim(10)
    assert len(claimed) == 5
    # The sender got its batch to the platform, then died before marking it delivered.
    delivery.post_batch(MunicipalPlatform.objects.get(embedded=True), claimed)
    assert delivery.deliver_pending().claimed == 0  # still leased
    with time_machine.travel(timezone.now() + timedelta(seconds=31)):
        report = delivery.deliver_pending()
    assert report.delivered == 5
    assert PlatformLedgerEntry.objects.count() == 5
    assert set(PlatformDelivery.objects.values_list("receipt", flat=True)) == {"duplicate"}
    assert {e.pk for e in events} == set(PlatformLedgerEntry.objects.values_list("idempotency_key", flat=True))


@pytest.mark.django_db
def test_an_event_waits_for_every_active_platform(settings, free_port):
    settings.EXCHANGE_HTTP_TIMEOUT_SECONDS = 2
    MunicipalPlatform.objects.create(name="city", url=f"http://127.0.0.1:{free_port}/exchange/receive/")
    (event,) = make_events(1)
    delivery.deliver_pending()
    event.refresh_from_db()
    assert event.state == State.PENDING
    assert list(PlatformDelivery.objects.values_list("platform__name", flat=True)) == ["embedded"]
    MunicipalPlatform.objects.filter(name="city").update(active=False)
    with time_machine.travel(event.next_attempt_at + timedelta(seconds=1)):
        delivery.deliver_pending()
    event.refresh_from_db()
    assert event.state == State.DELIVERED
    assert PlatformLedgerEntry.objects.count() == 1


@pytest.mark.django_db
def test_without_any_platform_configured_the_embedded_default_is_created():
    MunicipalPlatform.objects.all().delete()
    make_events(1)
    assert delivery.deliver_pending().delivered == 1
    assert MunicipalPlatform.objects.get().embedded


@pytest.mark.django_db(transaction=True)
def test_delivery_over_real_http_to_the_receiving_endpoint(live_server):
    http_platform(f"{live_server.url}/exchange/receive/")
    events = make_events(3)
    assert delivery.deliver_pending().delivered == 3
    assert set(PlatformLedgerEntry.objects.values_list("idempotency_key", flat=True)) == {e.pk for e in events}
    # Sent again (say, an operator re-queued them): acknowledged, nothing changes.
    OutboxEvent.objects.update(state=State.PENDING, next_attempt_at=timezone.now())
    assert delivery.deliver_pending().delivered == 3
    assert PlatformLedgerEntry.objects.count() == 3


@pytest.mark.django_db
def test_a_claimed_event_is_sent_as_the_stored_event_reads():
    # The claim reads rows without model instances on PostgreSQL: what is signed and
    # digested must be the envelope reconciliation recomputes from the model.
    events = make_events(3)
    claimed = delivery.claim(10)
    assert sorted(schema.envelope_for(e)["idempotency_key"] for e in claimed) == sorted(str(e.pk) for e in events)
    for event in claimed:
        assert canonical_json(schema.envelope_for(event)) == canonical_json(schema.envelope_for(OutboxEvent.objects.get(pk=event.pk)))
        assert event.attempts == 1


@pytest.mark.parametrize("text", [
    '{"a": 1, "b": [1, 2.5, null, true, false, "甲\\u2028\\"\\\\"], "c": {"d": 1e20, "e": -0.5}}',
    '{"title": "违规有偿补课", "none": null, "nested": {"deep": [[], {}]}, "n": 12345678901234567890}',
    '[]', '"x"', "1", "null",
    # Not what PostgreSQL writes for a jsonb value: left to json.loads, errors included.
    ' {"a": 1}', '{"a": 1} ', '{"a": 1}{', "", "{",
])
def test_the_claims_payload_parser_reads_what_json_loads_reads(text):
    try:
        expected = json.loads(text)
    except ValueError as exc:
        with pytest.raises(type(exc)):
            delivery._parse_jsonb(text)
    else:
        assert delivery._parse_jsonb(text) == expected


@pytest.mark.postgres
@pytest.mark.django_db
def test_a_claimed_payload_is_the_stored_payload_whatever_it_holds():
    # The claim parses PostgreSQL's text of each jsonb payload itself (exchange.delivery._parse_jsonb).
    payloads = [
        record_payload(title="标题\u2028\"引号\"\\斜杠\n换行", reason="原因\t\u0001", domain=None),
        {"record_id": 7, "lineage": "x", "nested": {"list": [1, 2.5, -3, None, True, {"深": "层"}]}, "big": 10**18},
    ]
    OutboxEvent.objects.bulk_create([
        OutboxEvent(event_type="record.published", aggregate_type="archives.creditrecord", aggregate_id=str(i),
                    payload=payload)
        for i, payload in enumerate(payloads)
    ])
    claimed = {e.aggregate_id: e.payload for e in delivery.claim(10)}
    assert claimed == {str(i): OutboxEvent.objects.get(aggregate_id=str(i)).payload for i in range(len(payloads))}
    assert claimed == {str(i): payload for i, payload in enumerate(payloads)}
