"""Fixtures for the credit level tests: the archives ``world`` and, for the report
and query-log tests, the disclosure ``disc``."""

from __future__ import annotations

from tests.archives.conftest import World, world  # noqa: F401 - the shared fixture
from tests.disclosure.conftest import disc, sms  # noqa: F401 - the shared fixtures
