"""The credit office's operations page and the requeue action."""

from __future__ import annotations

import re

import pytest
from django.core.exceptions import PermissionDenied

from credit_portal.models import AuditEntry
from exchange import services
from exchange.models import OutboxEvent, PlatformDelivery
from tests.exchange.conftest import make_events, user_with

pytestmark = pytest.mark.django_db
State = OutboxEvent.State
URL = "/exchange/operations/"
REQUEUE = "/exchange/operations/requeue/"


def _counts(html: str) -> dict[str, str]:
    return dict(re.findall(r'data-count="(\w+)">(?:<strong[^>]*>)?(\d+)', html))


def test_anonymous_is_sent_to_log_in_and_others_get_403(client):
    assert client.get(URL).status_code == 302
    client.force_login(user_with())
    assert client.get(URL).status_code == 403
    assert client.post(REQUEUE).status_code == 403


def test_page_shows_counts_oldest_pending_and_errors(client):
    delivered, pending, failed = make_events(3)
    PlatformDelivery.objects.create(event=delivered, platform_id=1, receipt="accepted")
    OutboxEvent.objects.filter(pk=delivered.pk).update(state=State.DELIVERED)
    OutboxEvent.objects.filter(pk=failed.pk).update(state=State.FAILED, attempts=12, last_error="embedded: HTTP 500")
    client.force_login(user_with("view_outboxevent"))
    response = client.get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert _counts(html) == {"pending": "1", "delivered": "1", "failed": "1"}
    assert "embedded: HTTP 500" in html
    assert REQUEUE not in html  # viewing does not allow re-queuing


def test_requeue_needs_the_change_permission_and_puts_failed_events_back(client):
    pending, failed = make_events(2)
    OutboxEvent.objects.filter(pk=failed.pk).update(state=State.FAILED, attempts=12, last_error="x")
    client.force_login(user_with("view_outboxevent"))
    assert client.post(REQUEUE, {"event": str(failed.pk)}).status_code == 403
    client.force_login(user_with("view_outboxevent", "change_outboxevent"))
    assert REQUEUE in client.get(URL).content.decode()
    response = client.post(REQUEUE, {"event": str(failed.pk)})
    assert response.status_code == 302
    failed.refresh_from_db()
    assert (failed.state, failed.attempts) == (State.PENDING, 0)
    assert AuditEntry.objects.filter(action="exchange.event.requeued").count() == 1
    assert client.post(REQUEUE, {"event": "not-a-uuid"}).status_code == 400
    assert client.get(REQUEUE).status_code == 405


def test_requeue_service_refuses_without_permission_and_leaves_delivered_alone():
    (event,) = make_events(1)
    OutboxEvent.objects.filter(pk=event.pk).update(state=State.DELIVERED)
    with pytest.raises(PermissionDenied):
        services.requeue_failed(by=user_with())
    assert services.requeue_failed(by=user_with("change_outboxevent")) == 0
    event.refresh_from_db()
    assert event.state == State.DELIVERED
