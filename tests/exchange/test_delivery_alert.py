"""Delivery that gave up or stalled is told, not only retried: /healthz's warnings for
monitoring, and the credit office's case queue, where its day starts (a repair's result
must reach the platform within 3 working days)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from exchange import outbox, services
from exchange.models import OutboxEvent
from tests.exchange.conftest import make_events

pytestmark = pytest.mark.django_db
State = OutboxEvent.State


def _queue_page(user: object) -> str:
    client = Client()
    client.force_login(user)
    with translation.override("zh-hans"):
        return client.get(reverse("repair:queue"), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()


def _fail(events: list[OutboxEvent], **fields: object) -> None:
    OutboxEvent.objects.filter(pk__in=[e.pk for e in events]).update(
        state=State.FAILED, attempts=12, next_attempt_at=None, last_error="city: HTTP 500", **fields)


def test_healthy_delivery_says_nothing(client, world) -> None:
    make_events(2)  # pending, just written
    assert outbox.delivery_alert() is None
    assert "exchange" not in client.get("/healthz").json().get("warnings", {})
    assert 'id="delivery-warning"' not in _queue_page(world.credit_office)


def test_events_that_gave_up_are_told_to_monitoring_and_to_the_credit_office(client, world) -> None:
    _fail(make_events(2))
    assert outbox.delivery_alert() == outbox.DeliveryAlert(failed=2, waiting_since=None)
    body = client.get("/healthz").json()
    assert body["status"] == "ok"  # a warning needs a person, not a restart
    assert body["warnings"]["exchange"].startswith("2 events failed delivery to the municipal platform")
    page = _queue_page(world.credit_office)
    assert 'id="delivery-warning"' in page
    assert "2 条变更经多次重试仍未能推送至市公共信用信息平台" in page
    assert "信用修复结果须在3个工作日内推送至平台" in page
    assert f'href="{reverse("exchange:operations")}"' in page
    # Re-queued, the alert is gone.
    services.requeue_failed(by=world.credit_office)
    assert outbox.delivery_alert() is None


def test_events_withheld_on_purpose_are_not_an_alert(world) -> None:
    """A payload blanked before it was sent (retention, a minor's later version) fails by
    design and is never re-queued: nobody is asked to act on it."""
    _fail(make_events(1), purged_at=timezone.now())
    assert outbox.delivery_alert() is None


def test_an_event_waiting_longer_than_the_stall_limit_is_told(client, world, settings) -> None:
    settings.EXCHANGE_STALLED_SECONDS = 3600
    old, _new = make_events(2)
    written = timezone.now() - timedelta(seconds=3601)
    OutboxEvent.objects.filter(pk=old.pk).update(created_at=written)
    alert = outbox.delivery_alert()
    assert alert is not None
    assert alert.failed == 0
    assert abs(alert.waiting_since - written) < timedelta(seconds=1)
    assert "events waiting for delivery since" in client.get("/healthz").json()["warnings"]["exchange"]
    page = _queue_page(world.credit_office)
    assert "起有变更等待推送至市公共信用信息平台" in page
    # Within the limit: nothing.
    OutboxEvent.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(seconds=3500))
    assert outbox.delivery_alert() is None


def test_the_count_is_capped_and_said_as_more_than(world, monkeypatch) -> None:
    monkeypatch.setattr(outbox, "ALERT_COUNT_CAP", 3)
    _fail(make_events(5))
    alert = outbox.delivery_alert()
    assert (alert.failed, alert.failed_more) == (3, True)
    assert "超过 3 条变更经多次重试仍未能推送" in _queue_page(world.credit_office)


def test_the_probe_reads_the_alert_at_most_every_thirty_seconds(client, world, monkeypatch) -> None:
    """Balancers probe every few seconds: each process keeps the answer DELIVERY_PROBE_SECONDS."""
    from credit_portal import views

    assert "exchange" not in client.get("/healthz").json().get("warnings", {})
    _fail(make_events(1))
    assert "exchange" not in client.get("/healthz").json().get("warnings", {})  # kept
    monkeypatch.setattr(views, "DELIVERY_PROBE_SECONDS", 0.0)
    assert "1 event failed" in client.get("/healthz").json()["warnings"]["exchange"]
