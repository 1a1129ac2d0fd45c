"""The operations page costs the same number of queries for 1 failed event and for 50
(STYLE.md): the counts are counted in the database and the error list is capped."""

from __future__ import annotations

import pytest

from exchange.models import OutboxEvent
from tests.exchange.conftest import make_events, user_with

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("rows", [1, 50])
def test_operations(client, rows, django_assert_num_queries):
    events = make_events(rows)
    OutboxEvent.objects.filter(pk__in=[e.pk for e in events]).update(
        state=OutboxEvent.State.FAILED, attempts=12, last_error="embedded: HTTP 500"
    )
    client.force_login(user_with("view_outboxevent", "change_outboxevent"))
    # Session and user (2), the menu's role groups (1), the session save after signing in
    # (3), the permission checks' user and group permissions (2), the platforms (1) and
    # per platform (one, the embedded one): pending, delivered and failed counts, the
    # oldest pending event, the latest errors (5).
    with django_assert_num_queries(14):
        response = client.get("/exchange/operations/")
    assert "embedded: HTTP 500" in response.content.decode()
