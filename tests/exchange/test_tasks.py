"""The beat schedule and the expiry task."""

from __future__ import annotations

from datetime import date

import pytest
import time_machine

from archives.models import CreditRecord
from archives.tasks import expire_due_records
from credit_portal.celery import app
from exchange.models import OutboxEvent
from tests.archives.conftest import draft_negative


def test_beat_schedule_sweeps_the_outbox_and_expires_records():
    import archives.tasks  # noqa: F401
    import exchange.tasks  # noqa: F401 - registers the task as the worker's autodiscovery does

    tasks = {entry["task"] for entry in app.conf.beat_schedule.values()}
    mine = {"exchange.tasks.deliver_pending", "archives.tasks.expire_due_records"}
    assert mine <= tasks
    assert mine <= set(app.tasks)
    sweep = app.conf.beat_schedule["exchange-deliver-pending"]["schedule"]
    assert 0 < sweep <= 10


@pytest.mark.django_db
def test_expiry_task_expires_records_past_their_display_period_and_emits(world):
    from archives import services

    with time_machine.travel(date(2026, 5, 1), tick=False):
        record = draft_negative(world)
        services.submit_record(record, by=world.edu_clerk)
        services.publish_record(record, by=world.edu_reviewer)
        assert expire_due_records.run() == 0
    with time_machine.travel(date(2027, 3, 21), tick=False):
        assert expire_due_records.run() == 1
        assert expire_due_records.run() == 0
    record.refresh_from_db()
    assert record.state == CreditRecord.State.EXPIRED
    assert OutboxEvent.objects.filter(event_type="record.expired", aggregate_id=str(record.pk)).count() == 1
