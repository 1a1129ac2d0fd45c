"""Fixtures for the credit level tests: the archives ``world``."""

from __future__ import annotations

from tests.archives.conftest import World, world  # noqa: F401 - the shared fixture
