"""The Celery app: its configuration, eager tasks in the embedded profile, a real worker on Redis."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from celery.schedules import BaseSchedule
from django.conf import settings
from kombu.exceptions import EncodeError

from credit_portal.celery import app

BASE_DIR = Path(__file__).resolve().parents[2]


@app.task(name="tests.credit_portal.echo")
def echo(payload: dict[str, object]) -> dict[str, object]:
    return payload


def test_only_json_goes_over_the_wire():
    assert app.conf.task_serializer == "json"
    assert app.conf.result_serializer == "json"
    assert app.conf.accept_content == ["json"]


@pytest.mark.filterwarnings("ignore::celery.exceptions.AlwaysEagerIgnored")
def test_a_task_argument_that_is_not_json_is_refused_before_it_is_queued():
    # send_task serializes even where tasks run eagerly, so no pickle reaches a worker.
    with pytest.raises(EncodeError):
        app.send_task("tests.credit_portal.echo", args=[object()])


def test_tasks_are_acknowledged_after_they_run_and_requeued_if_the_worker_dies():
    assert app.conf.task_acks_late is True
    assert app.conf.task_reject_on_worker_lost is True
    # With late acks a worker holding many unacknowledged messages delays them all.
    assert app.conf.worker_prefetch_multiplier == 1


def test_tasks_have_time_limits_and_the_soft_one_fires_first():
    assert app.conf.task_time_limit == settings.CELERY_TASK_TIME_LIMIT == 300
    assert app.conf.task_soft_time_limit == settings.CELERY_TASK_SOFT_TIME_LIMIT == 240
    assert app.conf.task_soft_time_limit < app.conf.task_time_limit


def test_the_app_runs_on_china_standard_time():
    assert app.conf.timezone == "Asia/Shanghai"


def test_broker_is_redis_when_configured_and_in_memory_otherwise():
    if settings.REDIS_URL:
        assert app.conf.broker_url == settings.REDIS_URL
        assert app.conf.task_always_eager is False
    else:
        assert app.conf.broker_url.startswith("memory://")
        assert app.conf.task_always_eager is True


def test_every_beat_entry_names_a_registered_task_and_a_schedule():
    app.loader.import_default_modules()  # what the worker and beat do at start-up
    schedule = app.conf.beat_schedule

    assert isinstance(schedule, dict)
    for name, entry in schedule.items():
        assert entry["task"] in app.tasks, f"beat entry {name!r} names an unknown task {entry['task']!r}"
        assert isinstance(entry["schedule"], (int, float, timedelta, BaseSchedule)), name


def test_embedded_profile_runs_tasks_in_process():
    if not app.conf.task_always_eager:
        pytest.skip("REDIS_URL is set: tasks go to the broker (see the worker test)")

    result = echo.delay({"record": 1, "note": "信用"})

    assert result.successful()
    assert result.get() == {"record": 1, "note": "信用"}


@pytest.mark.redis
@pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="needs Redis: set REDIS_URL=redis://...")
def test_a_worker_starts_on_redis_with_the_project_configuration():
    """Starts a real worker against REDIS_URL and asks it for its configuration."""
    node = f"test-{uuid.uuid4().hex[:8]}@localhost"
    # The worker inherits this process's environment, so it loads the same keys.
    environ = dict(os.environ)
    worker = subprocess.Popen(  # noqa: S603 - our own interpreter, fixed arguments
        [
            sys.executable, "-m", "celery", "-A", "credit_portal", "worker",
            "--pool", "solo", "--without-mingle", "--without-gossip", "--loglevel", "WARNING",
            "-n", node, "-Q", f"q-{node}",
        ],
        cwd=BASE_DIR, env=environ, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    try:
        conf = None
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and worker.poll() is None:
            replies = app.control.inspect(destination=[node], timeout=1).conf() or {}
            if node in replies:
                conf = replies[node]
                break
        assert conf is not None, f"worker did not answer: {worker.stdout.read() if worker.poll() is not None else ''}"
        # The worker reports its configuration under the Django settings' names.
        assert conf["CELERY_TASK_ACKS_LATE"] is True
        assert conf["CELERY_TASK_REJECT_ON_WORKER_LOST"] is True
        assert conf["CELERY_TASK_SERIALIZER"] == "json"
        assert conf["CELERY_ACCEPT_CONTENT"] == ["json"]
        assert conf["CELERY_TASK_TIME_LIMIT"] == 300
        # Anyone on the broker can ask for this; Celery masks the keys by their names
        # (KEY, SECRET, DATABASE...), so a renamed key setting would leak here.
        reply = json.dumps(conf)
        for name in ("SECRET_KEY", "FIELD_ENCRYPTION_KEYS", "BLIND_INDEX_KEY", "PLATFORM_SIGNING_KEY", "AUDIT_HMAC_KEY"):
            assert getattr(settings, name) not in reply, name
    finally:
        worker.terminate()
        worker.wait(timeout=30)
