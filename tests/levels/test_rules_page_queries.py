"""The credit office's level rule list costs the same queries for one retired rule as
for fifty (the level list itself: test_views_levels.py)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from archives.levels.models import LevelRule
from tests.archives.conftest import World

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("n", [1, 50])
def test_level_rules_page_query_count(client, world: World, django_assert_num_queries, n: int) -> None:
    LevelRule.objects.bulk_create(
        LevelRule(
            level="warning",
            condition="negative_record",
            severity="general",
            source=f"办法第{i}条",
            is_active=False,
            created_by=world.credit_office,
        )
        for i in range(n)
    )
    client.force_login(world.credit_office)
    client.get(reverse("archives:level_rules"))  # the first request of a session saves it
    # Session, user, memberships and role groups, the staff navigation, the rules in force
    # and one page of retired rules: the same for 1 and for 50 retired rules.
    # (The user's memberships and role groups: one query for every role on the first request
    # after signing in, none later: kept in the session, departments.scope.)
    with django_assert_num_queries(4):
        page = client.get(reverse("archives:level_rules")).content.decode()
    assert page.count("办法第") == n
