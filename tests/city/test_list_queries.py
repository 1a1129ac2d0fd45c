"""The rule filings list of /city/ costs the same queries for one filing as for fifty
(the coverage, evaluations, dashboard and report pages: test_city.py)."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse

from departments import services
from tests.archives.conftest import World

pytestmark = pytest.mark.django_db


def _filings(world: World, n: int) -> None:
    for i in range(n):
        services.file_rules(
            world.education,
            by=world.edu_clerk,
            title=f"办法{i}",
            document_number=f"教信〔2026〕{i}号",
            issued_on=date(2026, 1, 5),
            summary="档案管理",
        )


@pytest.mark.parametrize(
    ("n", "who"), [(1, "credit_office"), (50, "credit_office"), (1, "edu_clerk"), (50, "edu_clerk")]
)
def test_filings_page_query_count(client, world: World, django_assert_num_queries, n: int, who: str) -> None:
    _filings(world, n)
    client.force_login(getattr(world, who))
    client.get(reverse("city:filings"))  # the first request of a session saves it
    # Session, user, the predicates' permissions and memberships, the count and one page
    # of filings with their department joined: the same for 1 and for 50 filings.
    with django_assert_num_queries(QUERIES[who]):
        page = client.get(reverse("city:filings")).content.decode()
    assert page.count("教信〔2026〕") == min(n, 50)


# The clerk pays one more: the department scope of their filings (memberships).
# Memberships and role groups: none after the first request (kept in the session).
QUERIES = {"credit_office": 6, "edu_clerk": 6}
