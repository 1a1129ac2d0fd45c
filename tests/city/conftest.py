"""The city tests use the archives ``world``."""

from tests.archives.conftest import world  # noqa: F401 - the shared fixture
