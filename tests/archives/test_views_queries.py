"""The dashboard, the name search and the archive page cost the same number of SQL
queries for one record as for fifty (STYLE.md: list pages assert their query count)."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse

from archives import services
from archives.models import CreditRecord
from tests import factories as f
from tests.archives.conftest import World, negative_data


def _records(world: World, n: int) -> None:
    """n records in the world's archive: drafts, submitted, published and corrected ones."""
    for i in range(n):
        record = services.draft_record(world.archive, by=world.edu_clerk, **negative_data(world, title=f"记录{i}"))
        if i % 4 == 0:
            continue
        services.submit_record(record, by=world.edu_clerk)
        if i % 4 == 1:
            continue
        record = services.publish_record(record, by=world.edu_reviewer)
        if i % 4 == 3:
            services.correct_record(record, by=world.edu_reviewer2, reason="更正", decision_number=f"文号{i}")


def _archives(world: World, n: int) -> None:
    """n people all named 测试甲 (the world's own person has that name too) with an archive in 教育局."""
    for i in range(n):
        subject, _ = services.find_or_create_subject(
            name="测试甲", id_number=f.make_id_number(birth=date(1970 + i % 30, 1, 1), seq=i % 50), by=world.edu_clerk
        )
        services.open_archive(subject=subject, occupation=world.teacher, department=world.education,
                              employer="示范中学", by=world.edu_clerk)


# Each count names its queries. Every signed-in page pays 6: session, user, the user's
# memberships (department scope), role groups, and the two permission reads of the
# navigation bar (user and group permissions), plus 1 for the session save.

@pytest.mark.parametrize("n", [1, 50])
def test_dashboard_query_count(client, world: World, django_assert_num_queries, n: int) -> None:
    _records(world, n)
    client.force_login(world.edu_reviewer)
    # 7 common + reviewer memberships, the department codes of the scope filter (once per
    # list: 3), drafts, returned, awaiting review, overdue archives (one query each, with
    # subject and occupation joined), the membership list = 18.
    with django_assert_num_queries(DASHBOARD):
        assert client.get(reverse("archives:dashboard")).status_code == 200


@pytest.mark.parametrize("n", [1, 50])
def test_name_search_query_count(client, world: World, django_assert_num_queries, n: int) -> None:
    _archives(world, n)
    client.force_login(world.edu_clerk)
    # 7 common + the department codes for shared archives, the results (archives with
    # subject, occupation, department joined, one query), the audit entry of the search
    # (one insert: reads do not take the chain head), the reviewer memberships (staff links) = 13.
    with django_assert_num_queries(SEARCH):
        response = client.post(reverse("archives:find_subject"), {"search": "name", "name-name": "测试甲"})
    rows = response.content.decode().count('<td class="govuk-table__cell"><a class="govuk-link" href="/staff/subjects/')
    assert rows == min(n + 1, 50)  # n people + the world's 测试甲, at most 50 shown


@pytest.mark.parametrize("n", [1, 50])
def test_archive_page_query_count(client, world: World, django_assert_num_queries, n: int) -> None:
    _records(world, n)
    assert CreditRecord.objects.filter(archive=world.archive).count() >= n
    client.force_login(world.edu_clerk)
    # 7 common + department codes, the archive (scoped, with subject/occupation/department
    # joined), the audit entry of the read (one insert, chained later), current
    # records + their evidence (prefetch), all earlier versions (one query), the subject's
    # personal statements (repair, one query), findings + their evidence (prefetch), the
    # acting departments (occupation's departments, shares) and the clerk and reviewer
    # memberships for the buttons = 21.
    with django_assert_num_queries(ARCHIVE):
        assert client.get(reverse("archives:archive", args=[world.archive.pk])).status_code == 200


DASHBOARD = 18
SEARCH = 13
ARCHIVE = 21


REVIEW_QUEUE = 12


@pytest.mark.parametrize("n", [1, 50])
def test_review_queue_query_count(client, world: World, django_assert_num_queries, n: int) -> None:
    for i in range(n):
        record = services.draft_record(world.archive, by=world.edu_clerk, **negative_data(world, title=f"待审{i}"))
        services.submit_record(record, by=world.edu_clerk)
    client.force_login(world.edu_reviewer)
    # The common signed-in queries, the reviewer memberships, the scope (one query), the
    # queue (records with archive, subject, occupation, category, author joined: one):
    # 12 whatever the number of records.
    with django_assert_num_queries(REVIEW_QUEUE):
        response = client.get(reverse("archives:review_queue"))
    assert response.content.decode().count("待审") == n


def test_review_queue_shows_the_oldest_hundred(client, world: World, monkeypatch) -> None:
    from archives import views

    monkeypatch.setattr(views, "REVIEW_QUEUE_SHOWN", 3)
    for i in range(5):
        record = services.draft_record(world.archive, by=world.edu_clerk, **negative_data(world, title=f"待审{i}"))
        services.submit_record(record, by=world.edu_clerk)
    client.force_login(world.edu_reviewer)
    page = client.get(reverse("archives:review_queue")).content.decode()
    assert page.count("待审") == 3
    assert "待审0" in page
    assert "待审4" not in page
    assert "仅显示等待最久的3条记录" in page
