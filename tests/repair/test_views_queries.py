"""Every repair list page costs the same number of SQL queries for one row as for fifty
(STYLE.md: list pages assert their query count)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from repair import services
from repair.models import Rating
from tests.repair.conftest import english_client, publish

pytestmark = pytest.mark.django_db


def _cases(world, n: int) -> list[object]:
    """n open cases of the citizen in every stage, some assigned, half repair applications."""
    made = []
    for i in range(n):
        record = publish(world, title=f"记录{i}")
        if i % 2:
            case = services.apply_for_repair(record, by=world.citizen, fulfilment="已履行", commitment_confirmed=True,
                                             proof=[_pdf()])
        else:
            case = services.file_objection(record, by=world.citizen, reasons="不是我")
        if i % 3 == 1:
            services.assign_case(case, officer=world.credit_office, by=world.credit_office)
        if i % 4 == 2:
            case = services.accept_objection(case, by=world.credit_office)
        made.append(case)
    return made


def _pdf():
    from tests.repair.conftest import pdf

    return pdf()


def _ratings(world, n: int) -> None:
    """n refused objections, each rated poorly (a follow-up task each)."""
    for i in range(n):
        case = services.file_objection(publish(world, title=f"评价{i}"), by=world.citizen, reasons="不是我")
        services.refuse_objection(case, by=world.credit_office, reason="理由不足")
        services.rate_case(case, by=world.citizen, score=1, comment="太慢")


# Common to every signed-in page (5): session, user, role groups and the two permission
# reads of the navigation bar.


def _warm(client, url: str) -> None:
    client.get(url)  # loads the per-process working-day calendar once


@pytest.mark.parametrize("n", [1, 50])
def test_credit_office_queue_query_count(linked_citizen, world, django_assert_num_queries, n: int) -> None:
    _cases(world, n)
    client = english_client(world.credit_office)
    _warm(client, reverse("repair:queue"))
    # 2 common (session, user) + ratings to follow up + per kind of case (objections,
    # applications) its counts by stage + per stage (5) its most urgent cases, read from
    # the stage's index (officer joined) + the platform delivery's alert (failed events, the
    # oldest waiting: exchange.outbox.delivery_alert) = 12.
    # (The user's memberships and role groups: one query for every role on the first request
    # after signing in, none later: kept in the session, departments.scope.)
    with django_assert_num_queries(12):
        assert client.get(reverse("repair:queue")).status_code == 200


@pytest.mark.parametrize("n", [1, 50])
def test_citizen_case_list_query_count(linked_citizen, world, django_assert_num_queries, n: int) -> None:
    _cases(world, n)
    client = english_client(world.citizen)
    _warm(client, reverse("repair:my_repair"))
    # 3 common (session, user, role groups) + the citizen link, archives, their current records, signed findings, open
    # objections and open applications of those records, minimum display periods, the
    # citizen's objections and applications = 12.
    # (The user's memberships and role groups: one query for every role on the first request
    # after signing in, none later: kept in the session, departments.scope.)
    with django_assert_num_queries(11):
        assert client.get(reverse("repair:my_repair")).status_code == 200


@pytest.mark.parametrize("n", [1, 50])
def test_department_queue_query_count(linked_citizen, world, django_assert_num_queries, n: int) -> None:
    _cases(world, n)
    client = english_client(world.edu_clerk)
    _warm(client, reverse("repair:department_queue"))
    # 3 common (session, user, role groups) + memberships, the departments in scope, the objections to verify = 6.
    # (The user's memberships and role groups: one query for every role on the first request
    # after signing in, none later: kept in the session, departments.scope.)
    with django_assert_num_queries(4):
        assert client.get(reverse("repair:department_queue")).status_code == 200


@pytest.mark.parametrize("n", [1, 50])
def test_ratings_query_count(linked_citizen, world, django_assert_num_queries, n: int) -> None:
    _ratings(world, n)
    assert Rating.objects.filter(needs_follow_up=True).count() == n
    client = english_client(world.credit_office)
    _warm(client, reverse("repair:ratings"))
    # 3 common (session, user, role groups) + the ratings with their cases joined = 4.
    # (The user's memberships and role groups: one query for every role on the first request
    # after signing in, none later: kept in the session, departments.scope.)
    with django_assert_num_queries(3):
        assert client.get(reverse("repair:ratings")).status_code == 200


def test_each_stage_reads_its_most_urgent_cases_from_its_index(linked_citizen, world) -> None:
    """At 10,001 open objections the queue ranked every open case for its twenty lines
    (18–33 ms per kind of case, docs/benchmarks.md, twenty-eighth session); each stage
    now reads its first twenty from ``objection_urgent_first`` / ``repair_urgent_first``
    in the order they are shown."""
    from django.db import connection, transaction

    from repair import selectors

    if connection.vendor != "postgresql":
        pytest.skip("index plans: PostgreSQL only (make test with DATABASE_URL)")
    _cases(world, 4)
    for key, index in (("objection_submitted", "objection_urgent_first"), ("repair_submitted", "repair_urgent_first")):
        cases = selectors.stage_cases(world.credit_office, selectors.stage_of(key))[:20]
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute("SET LOCAL enable_bitmapscan = off")
            cursor.execute("SET LOCAL enable_sort = off")
            plan = cases.explain()
        assert index in plan, plan
        assert "Sort" not in plan.split(index)[0], plan  # read in order, not sorted after
