"""manage.py reconcile_platform: sent against acknowledged."""

from __future__ import annotations

import io
import uuid

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from exchange import delivery
from exchange.models import OutboxEvent, PlatformLedgerEntry
from tests.exchange.conftest import make_events

pytestmark = pytest.mark.django_db


def _run(*args: str) -> str:
    out = io.StringIO()
    call_command("reconcile_platform", *args, stdout=out)
    return out.getvalue()


def test_agreeing_outbox_and_ledger_exit_zero():
    make_events(4)
    delivery.deliver_pending()
    assert "outbox and ledger agree" in _run()


def test_a_delivered_event_missing_from_the_ledger_is_named_and_fails():
    events = make_events(3)
    delivery.deliver_pending()
    PlatformLedgerEntry.objects.filter(idempotency_key=events[1].pk).delete()
    with pytest.raises(CommandError) as excinfo:
        _run()
    assert excinfo.value.returncode == 1
    out = io.StringIO()
    with pytest.raises(CommandError):
        call_command("reconcile_platform", "--requeue", stdout=out)
    assert str(events[1].pk) in out.getvalue()
    assert OutboxEvent.objects.get(pk=events[1].pk).state == OutboxEvent.State.PENDING
    delivery.deliver_pending()
    assert "agree" in _run()


def test_altered_and_unknown_ledger_entries_fail():
    (event,) = make_events(1)
    delivery.deliver_pending()
    entry = PlatformLedgerEntry.objects.get()
    PlatformLedgerEntry.objects.filter(pk=entry.pk).update(digest="0" * 64)
    stranger = PlatformLedgerEntry.objects.create(
        idempotency_key=uuid.uuid4(), event_type="record.published", schema_version=1, occurred_at=entry.occurred_at,
        aggregate_type="x", aggregate_id="1", payload={}, digest="1" * 64, source="elsewhere",
    )
    out = io.StringIO()
    with pytest.raises(CommandError):
        call_command("reconcile_platform", stdout=out)
    text = out.getvalue()
    assert "different content: 1" in text
    assert str(event.pk) in text
    assert "unknown to the outbox: 1" in text
    assert str(stranger.idempotency_key) in text
    assert "agree" not in text
