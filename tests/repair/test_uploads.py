"""Files of two-step forms wait under pending/ between the form and its
check-your-answers page; the ones a citizen abandons are deleted on a schedule."""

from __future__ import annotations

import os
import time
from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from credit_portal.celery import app
from repair import services, tasks
from tests.repair.conftest import pdf

pytestmark = pytest.mark.django_db


def _age(path: str, seconds: float) -> None:
    full = default_storage.path(path)
    then = time.time() - seconds
    os.utime(full, (then, then))


def test_abandoned_uploads_are_deleted_and_fresh_ones_kept(settings) -> None:
    [old] = services.stash_uploads([pdf("old.pdf")])
    [fresh] = services.stash_uploads([pdf("fresh.pdf")])
    outside = default_storage.save("cases/keep-me", ContentFile(b"x"))
    _age(old["path"], settings.SESSION_COOKIE_AGE + 60)
    _age(outside, settings.SESSION_COOKIE_AGE + 60)
    _age(fresh["path"], 0)  # its time from the same clock as the others (``pytest --today`` moves it)
    assert services.purge_abandoned_uploads() == 1
    assert not default_storage.exists(old["path"])
    assert default_storage.exists(fresh["path"])
    assert default_storage.exists(outside)  # only pending/ is swept
    assert services.purge_abandoned_uploads() == 0  # safe to run twice
    assert services.purge_abandoned_uploads(older_than=timedelta(0)) == 1
    default_storage.delete(outside)


def test_the_purge_is_scheduled_daily() -> None:
    scheduled = {entry["task"] for entry in app.conf.beat_schedule.values()}
    assert "repair.tasks.purge_abandoned_uploads" in scheduled
    assert tasks.purge_abandoned_uploads.name == "repair.tasks.purge_abandoned_uploads"
