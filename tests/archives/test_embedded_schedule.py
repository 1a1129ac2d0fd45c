"""The embedded profile runs the beat schedule in-process (credit_portal.scheduler):
the same entries as Celery beat, due by Celery's own schedules, started once."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from archives import services
from archives.models import CreditRecord
from credit_portal import scheduler as embedded
from credit_portal.celery import app
from tests.archives.conftest import World, publish_negative

SHANGHAI = ZoneInfo("Asia/Shanghai")


def _at(*args: int) -> datetime:
    return datetime(*args, tzinfo=SHANGHAI)


@pytest.mark.django_db
def test_it_runs_exactly_the_beat_schedule_entries() -> None:
    scheduler = embedded.EmbeddedScheduler.from_beat_schedule(app)
    assert set(scheduler.entries) == set(app.conf.beat_schedule)
    assert {task for task, _ in scheduler.entries.values()} >= {
        "archives.tasks.expire_due_records", "archives.tasks.purge_retained_records", "repair.tasks.remind_due_cases",
    }


@pytest.mark.django_db
def test_daily_entries_run_when_due_and_not_before(world: World, monkeypatch) -> None:
    ran: list[str] = []
    monkeypatch.setattr(embedded.EmbeddedScheduler, "_run", lambda self, name, task: ran.append(name))
    with time_machine.travel(_at(2026, 5, 1, 23, 0), tick=False):
        scheduler = embedded.EmbeddedScheduler.from_beat_schedule(app)
    with time_machine.travel(_at(2026, 5, 2, 0, 5), tick=False):
        names, wait = scheduler.tick()
        assert "archives-expire-records" not in names
        assert wait <= embedded.MAX_SLEEP_SECONDS
    with time_machine.travel(_at(2026, 5, 2, 0, 11), tick=False):
        names, _ = scheduler.tick()
        assert "archives-expire-records" in names
        assert "archives-purge-retained-records" not in names
        names, _ = scheduler.tick()
        assert "archives-expire-records" not in names  # once a day
    with time_machine.travel(_at(2026, 5, 2, 8, 1), tick=False):
        names, _ = scheduler.tick()
        assert "repair-remind-due-cases" in names
        assert "archives-purge-retained-records" in names


@pytest.mark.django_db
def test_a_due_expiry_really_expires_records(world: World, monkeypatch) -> None:
    # The embedded profile runs tasks eagerly; with Redis configured the same call would
    # go to the broker, so the test runs it in-process as the embedded profile does.
    monkeypatch.setattr(app.conf, "task_always_eager", True)
    with time_machine.travel(date(2026, 1, 12), tick=False):
        record = publish_negative(world, severity="minor", occurred_on=date(2026, 1, 5), decided_on=date(2026, 1, 10))
    assert record.display_until == date(2026, 4, 10)
    with time_machine.travel(_at(2026, 4, 10, 23, 0), tick=False):
        scheduler = embedded.EmbeddedScheduler.from_beat_schedule(app)
        scheduler.entries = {"archives-expire-records": scheduler.entries["archives-expire-records"]}
    with time_machine.travel(_at(2026, 4, 11, 0, 11), tick=False):
        assert scheduler.tick()[0] == ["archives-expire-records"]
    record.refresh_from_db()
    assert record.state == CreditRecord.State.EXPIRED
    assert services.expire_records(today=date(2026, 4, 12)) == 0


@pytest.mark.django_db
def test_started_once_and_only_when_enabled(settings, monkeypatch) -> None:
    monkeypatch.setattr(embedded.EmbeddedScheduler, "run_until", lambda self, stop: stop.wait(30))
    try:
        assert embedded.start_embedded(enabled=False) is False
        assert not embedded.running()
        assert embedded.start_embedded(enabled=True) is True
        assert embedded.running()
        assert embedded.start_embedded(enabled=True) is False  # a second start (autoreload, re-import) is a no-op
    finally:
        embedded.stop_embedded()
    assert not embedded.running()


def test_embedded_profile_turns_it_on_by_default(settings) -> None:
    from django.conf import settings as live

    if live.REDIS_URL:
        assert live.EMBEDDED_SCHEDULER is False
    else:
        assert live.EMBEDDED_SCHEDULER is live.CELERY_TASK_ALWAYS_EAGER
