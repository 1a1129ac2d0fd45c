"""Fixtures for the credit level tests: the archives ``world`` and, for the report
and query-log tests, the disclosure ``disc``."""

from __future__ import annotations

import pytest

from tests.archives.conftest import World, world  # noqa: F401 - the shared fixture
from tests.disclosure.conftest import disc, sms  # noqa: F401 - the shared fixtures


@pytest.fixture(autouse=True)
def eager_tasks():  # type: ignore[no-untyped-def]
    """Run the level recompute in-process, as the embedded profile does, also when the
    suite runs against Redis (a worker is not part of these tests)."""
    from credit_portal.celery import app

    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = previous
