"""The citizen page's points (the ``points`` generation) with the Redis profile's session
engine (credit_portal.sessions), which reads the generation with the session: the pilot
switched, a rule changed or retired still shows on the next page."""

from __future__ import annotations

import pytest

from tests.levels import test_points

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("cached_sessions")]


def test_the_pilot_reaches_the_cached_page(client, disc, django_capture_on_commit_callbacks) -> None:
    test_points.test_the_person_sees_points_line_by_line_only_while_the_pilot_is_on(
        client, disc, django_capture_on_commit_callbacks)


def test_rules_reach_the_cached_points_at_once(client, disc, django_capture_on_commit_callbacks) -> None:
    test_points.test_a_changed_or_retired_rule_or_the_switch_reaches_the_cached_points_at_once(
        client, disc, django_capture_on_commit_callbacks)
