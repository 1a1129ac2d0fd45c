"""The review queue's, the dashboard's and the archive list's fragment tests again with the Redis profile's
session engine (credit_portal.sessions), whose pages use the generations read with the
session: every change still shows on the next page, and a viewer never gets another's
lists. The tests' own engine is the database's (tests/conftest.py)."""

from __future__ import annotations

import pytest

from tests.archives import test_views_queries as pages
from tests.intake import test_lists

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("cached_sessions")]


@pytest.fixture
def without_the_session_query(django_assert_num_queries):
    # The session comes from the cache: the database's counts less one.
    return lambda n: django_assert_num_queries(n - 1)


def test_review_queue_table_follows_the_queue(client, world, without_the_session_query,
                                              commits) -> None:
    pages.test_review_queue_table_is_cached_until_a_record_enters_or_leaves_the_queue(
        client, world, without_the_session_query, commits)


def test_dashboard_lists_follow_what_they_list(client, world, without_the_session_query,
                                               commits) -> None:
    pages.test_dashboard_lists_are_cached_until_what_they_list_changes(
        client, world, without_the_session_query, commits)


def test_dashboard_is_never_shared_between_viewers(client, world) -> None:
    pages.test_dashboard_cache_is_never_shared_between_viewers(client, world)


def test_review_queue_findings_follow_findings_and_batches(client, world, without_the_session_query,
                                                           commits) -> None:
    pages.test_review_queue_findings_are_cached_until_a_finding_or_batch_changes(
        client, world, without_the_session_query, commits)


def test_archive_list_follows_what_it_shows(client, world, without_the_session_query, commits) -> None:
    test_lists.test_a_repeated_list_is_the_kept_page_until_what_it_shows_changes(
        client, world, without_the_session_query, commits)


def test_archive_list_is_never_shared_between_viewers(client, world) -> None:
    test_lists.test_a_kept_list_is_never_shown_to_another_viewer(client, world)
