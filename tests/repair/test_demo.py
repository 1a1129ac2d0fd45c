from __future__ import annotations

import io

import pytest

from repair import demo, selectors
from repair.models import Objection
from tests.repair.conftest import publish

pytestmark = pytest.mark.django_db


def test_demo_fills_the_queue_with_an_overdue_case_and_is_idempotent(links, world) -> None:
    for _ in range(3):
        publish(world)
    demo.load(io.StringIO())
    count = Objection.objects.count()
    assert count >= 2
    stages = selectors.queue(world.credit_office)
    assert any(case.overdue for stage in stages.values() for case in stage.cases)
    demo.load(io.StringIO())
    assert Objection.objects.count() == count
