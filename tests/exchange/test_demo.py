from __future__ import annotations

import io

import pytest

from exchange import demo
from exchange.models import MunicipalPlatform, OutboxEvent
from exchange.reconcile import reconcile
from tests.exchange.conftest import make_events

pytestmark = pytest.mark.django_db


def test_demo_loader_delivers_what_other_loaders_emitted_so_reconcile_agrees():
    MunicipalPlatform.objects.all().delete()
    make_events(1200)  # more than the two batches a commit nudge delivers
    out = io.StringIO()
    demo.load(out)
    assert "delivered 1200 events" in out.getvalue()
    assert MunicipalPlatform.objects.get().embedded
    assert not OutboxEvent.objects.exclude(state=OutboxEvent.State.DELIVERED).exists()
    assert reconcile().ok
