"""The review queue's and the dashboard's fragment tests again with the Redis profile's
session engine (credit_portal.sessions), whose pages use the generations read with the
session: every change still shows on the next page, and a viewer never gets another's
lists. The tests' own engine is the database's (tests/conftest.py)."""

from __future__ import annotations

import pytest

from tests.archives import test_views_queries as pages

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("cached_sessions")]


@pytest.fixture
def without_the_session_query(django_assert_num_queries):
    # The session comes from the cache: the database's counts less one.
    return lambda n: django_assert_num_queries(n - 1)


def test_review_queue_table_follows_the_queue(client, world, without_the_session_query,
                                              django_capture_on_commit_callbacks) -> None:
    pages.test_review_queue_table_is_cached_until_a_record_enters_or_leaves_the_queue(
        client, world, without_the_session_query, django_capture_on_commit_callbacks)


def test_dashboard_lists_follow_what_they_list(client, world, without_the_session_query,
                                               django_capture_on_commit_callbacks) -> None:
    pages.test_dashboard_lists_are_cached_until_what_they_list_changes(
        client, world, without_the_session_query, django_capture_on_commit_callbacks)


def test_dashboard_is_never_shared_between_viewers(client, world) -> None:
    pages.test_dashboard_cache_is_never_shared_between_viewers(client, world)


def test_review_queue_findings_follow_findings_and_batches(client, world, without_the_session_query,
                                                           django_capture_on_commit_callbacks) -> None:
    pages.test_review_queue_findings_are_cached_until_a_finding_or_batch_changes(
        client, world, without_the_session_query, django_capture_on_commit_callbacks)
