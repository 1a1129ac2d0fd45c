"""Claims as leases (exchange.OutboxLease): the outbox row is not rewritten by a claim,
a dead sender's lease runs out and its events are taken over with the attempt counted,
and two senders claiming at the same time on PostgreSQL deliver every event once."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
import time_machine
from django.db import connection, connections
from django.utils import timezone

from exchange import delivery
from exchange.models import MunicipalPlatform, OutboxEvent, OutboxLease, PlatformDelivery, PlatformLedgerEntry
from tests.exchange.conftest import make_events

State = OutboxEvent.State


@pytest.mark.django_db
def test_a_claim_writes_leases_and_leaves_the_events_as_they_were(settings):
    settings.EXCHANGE_LEASE_SECONDS = 30
    events = make_events(3)
    before = {e.pk: (e.state, e.attempts, e.next_attempt_at) for e in OutboxEvent.objects.all()}
    claimed = delivery.claim(10)
    assert {e.pk for e in claimed} == {e.pk for e in events}
    assert [e.attempts for e in claimed] == [1, 1, 1]
    assert {e.pk: (e.state, e.attempts, e.next_attempt_at) for e in OutboxEvent.objects.all()} == before
    leases = OutboxLease.objects.all()
    assert {lease.event_id for lease in leases} == {e.pk for e in events}
    assert all(lease.attempts == 1 and lease.leased_until > timezone.now() for lease in leases)
    assert delivery.claim(10) == []  # leased: no other sender takes them


@pytest.mark.django_db
def test_the_delivered_mark_releases_the_lease_and_keeps_the_count():
    make_events(2)
    assert delivery.deliver_pending().delivered == 2
    assert not OutboxLease.objects.exists()
    assert set(OutboxEvent.objects.values_list("state", "attempts", "next_attempt_at")) == {(State.DELIVERED, 1, None)}


@pytest.mark.django_db
def test_a_dead_senders_lease_runs_out_and_its_attempt_counts(settings):
    settings.EXCHANGE_LEASE_SECONDS = 30
    (event,) = make_events(1)
    assert [e.attempts for e in delivery.claim(10)] == [1]  # then the sender dies
    with time_machine.travel(timezone.now() + timedelta(seconds=29)):
        assert delivery.claim(10) == []
    with time_machine.travel(timezone.now() + timedelta(seconds=31)):
        (taken_over,) = delivery.claim(10)
        assert taken_over.pk == event.pk
        assert taken_over.attempts == 2
        assert OutboxLease.objects.get().attempts == 2
        assert delivery.claim(10) == []  # the new lease holds
        delivery.deliver_batch([taken_over], delivery.active_platforms())
    event.refresh_from_db()
    assert (event.state, event.attempts) == (State.DELIVERED, 2)
    assert PlatformLedgerEntry.objects.count() == 1


@pytest.mark.django_db
def test_a_retry_releases_the_lease_and_backs_off(settings, monkeypatch):
    settings.EXCHANGE_BACKOFF_BASE_SECONDS = 10

    def down(platform, events):
        raise delivery.DeliveryError("HTTP 503")

    monkeypatch.setattr(delivery, "post_batch", down)
    (event,) = make_events(1)
    assert delivery.deliver_pending().retrying == 1
    event.refresh_from_db()
    assert (event.state, event.attempts) == (State.PENDING, 1)
    assert event.next_attempt_at > timezone.now()
    assert not OutboxLease.objects.exists()


@pytest.mark.django_db
def test_requeue_forgets_a_dead_senders_lease(settings):
    from exchange import services
    from tests.exchange.conftest import user_with

    (event,) = make_events(1)
    delivery.claim(10)  # the sender dies; later the event fails (say, purged) and is re-queued
    OutboxEvent.objects.filter(pk=event.pk).update(state=State.FAILED, next_attempt_at=None)
    assert services.requeue_failed(by=user_with("change_outboxevent")) == 1
    assert not OutboxLease.objects.exists()
    assert [e.attempts for e in delivery.claim(10)] == [1]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_senders_claiming_at_once_deliver_every_event_exactly_once(settings):
    settings.EXCHANGE_BATCH_SIZE = 25
    MunicipalPlatform.objects.update_or_create(name="embedded", defaults={"embedded": True, "active": True})
    events = make_events(600)
    claims: list[list[object]] = [[], []]
    start = threading.Barrier(2)
    first_claims = threading.Barrier(2)
    original = delivery.claim

    def sender(index: int) -> None:
        def recording_claim(limit: int):
            claimed = original(limit)
            claims[index].extend(e.pk for e in claimed)
            return claimed

        try:
            start.wait()
            # Each sender holds its first claim until the other has made one, so both take
            # part however the threads are scheduled (one alone could drain the outbox on a
            # loaded host), and two claims are open at the same moment.
            claimed = recording_claim(settings.EXCHANGE_BATCH_SIZE)
            # A claim whose snapshot was taken just before the other's committed finds those
            # rows leased (ON CONFLICT) and returns nothing, by design
            # (delivery._claim_in_one_statement): claim again, as the sender's loop would.
            # The other holds at most one batch of the 600 until this one has claimed.
            for _ in range(50):
                if claimed:
                    break
                claimed = recording_claim(settings.EXCHANGE_BATCH_SIZE)
            first_claims.wait(timeout=60)
            while claimed:
                delivery.deliver_batch(claimed, delivery.active_platforms())
                claimed = recording_claim(settings.EXCHANGE_BATCH_SIZE)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=sender, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert connection.vendor == "postgresql"
    # Both senders took part, and no event was ever claimed twice.
    assert claims[0]
    assert claims[1]
    assert len(claims[0]) + len(claims[1]) == len(events)
    assert set(claims[0]).isdisjoint(claims[1])
    assert OutboxEvent.objects.filter(state=State.DELIVERED, attempts=1).count() == len(events)
    assert PlatformLedgerEntry.objects.count() == len(events)
    assert set(PlatformDelivery.objects.values_list("receipt", flat=True)) == {"accepted"}
    assert not OutboxLease.objects.exists()
