"""The credit office finds concluded cases by reference or record title."""

from __future__ import annotations

import pytest
from django.urls import reverse

from repair import services
from tests.repair.conftest import english_client, publish

pytestmark = pytest.mark.django_db


def _closed(world, n: int) -> list:
    cases = []
    for i in range(n):
        case = services.file_objection(publish(world, title=f"已办结{i}"), by=world.citizen, reasons="不是我")
        cases.append(services.refuse_objection(case, by=world.credit_office, reason="理由不足"))
    return cases


@pytest.mark.parametrize("n", [1, 50])
def test_closed_case_list_query_count(links, world, django_assert_num_queries, n: int) -> None:
    _closed(world, n)
    services.file_objection(publish(world, title="仍在办理"), by=world.citizen, reasons="不是我")
    client = english_client(world.credit_office)
    url = reverse("repair:closed_cases")
    client.get(url)
    # 3 common (session, user, role groups; the menu reads the cached roles) + the
    # page's count and its 50 rows (record and officer joined) = 5.
    # (The user's memberships and role groups: one query for every role on the first request
    # after signing in, none later: kept in the session, departments.scope.)
    with django_assert_num_queries(4):
        response = client.get(url)
    html = response.content.decode()
    assert "仍在办理" not in html
    assert html.count("已办结") == min(n, 50)


def test_search_by_reference_or_title_never_by_personal_data(links, world) -> None:
    first, second = _closed(world, 2)
    client = english_client(world.credit_office)
    url = reverse("repair:closed_cases")
    html = client.get(url, {"q": first.reference[-6:]}).content.decode()
    assert first.reference in html
    assert second.reference not in html
    assert second.reference in client.get(url, {"q": "已办结1"}).content.decode()
    refused = client.get(url, {"q": "110105198506150011"}).content.decode()
    assert "never by ID number or phone" in refused
    assert first.reference not in refused
    assert "No concluded case matches" in client.get(url, {"kind": "application"}).content.decode()
    for outsider in (world.edu_reviewer, world.citizen):
        assert english_client(outsider).get(url).status_code == 403
