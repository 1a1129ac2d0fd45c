"""The dashboard, the name search and the archive page cost the same number of SQL
queries for one record as for fifty (STYLE.md: list pages assert their query count)."""

from __future__ import annotations

from datetime import date

import pytest
import time_machine
from django.urls import reverse

from archives import services
from archives.models import CreditRecord
from tests import factories as f
from tests.archives.conftest import World, draft_negative


def _records(world: World, n: int) -> None:
    """n records in the world's archive: drafts, submitted, published and corrected ones."""
    for i in range(n):
        record = draft_negative(world, title=f"记录{i}")
        if i % 4 == 0:
            continue
        services.submit_record(record, by=world.edu_clerk)
        if i % 4 == 1:
            continue
        record = services.publish_record(record, by=world.edu_reviewer)
        if i % 4 == 3:
            change = services.propose_correction(record, by=world.edu_clerk, reason="更正", decision_number=f"文号{i}")
            services.approve_change(change, by=world.edu_reviewer2)
        elif i % 4 == 2:
            services.propose_withdrawal(record, by=world.edu_clerk, reason="撤销")


def _archives(world: World, n: int) -> None:
    """n people all named 测试甲 (the world's own person has that name too) with an archive in 教育局."""
    for i in range(n):
        subject, _ = services.find_or_create_subject(
            name="测试甲", id_number=f.make_id_number(birth=date(1970 + i % 30, 1, 1), seq=i % 50), by=world.edu_clerk
        )
        services.open_archive(subject=subject, occupation=world.teacher, department=world.education,
                              employer="示范中学", by=world.edu_clerk)


# Each count names its queries. The first signed-in page after signing in pays 5:
# session, user, the user's memberships (every role's in one query: department scope and
# the staff navigation's reviewer and clerk links), role groups (the menu reads them too,
# no permission reads), and the session save, which keeps the memberships and role groups
# for later requests (SessionAccessMiddleware). A later request pays 2 (session, user),
# as the cached review queue test below shows.

@pytest.mark.parametrize("n", [1, 50])
def test_dashboard_query_count(client, world: World, django_assert_num_queries, n: int) -> None:
    _records(world, n)
    client.force_login(world.edu_reviewer)
    # 5 common + the scope (co-responsible occupations and shared archives: read once for
    # the five lists), drafts, returned, awaiting review, the update cadences (catalogue
    # data), overdue archives, changes awaiting approval (one query each, with subject and
    # occupation joined), the membership list = 15. (With overdue archives, their cadences are one
    # more prefetch query.)
    with django_assert_num_queries(DASHBOARD):
        assert client.get(reverse("archives:dashboard")).status_code == 200


@pytest.mark.parametrize("n", [1, 50])
def test_name_search_query_count(client, world: World, django_assert_num_queries, n: int) -> None:
    _archives(world, n)
    client.force_login(world.edu_clerk)
    # 5 common + the department codes for shared archives, the results (archives with
    # subject, occupation, department joined, one query), the audit entry of the search
    # (one insert: reads do not take the chain head); the session save's update sits in a
    # savepoint (2) = 10.
    with django_assert_num_queries(SEARCH):
        response = client.post(reverse("archives:find_subject"), {"search": "name", "name-name": "测试甲"})
    rows = response.content.decode().count('<td class="govuk-table__cell"><a class="govuk-link" href="/staff/subjects/')
    assert rows == min(n + 1, 50)  # n people + the world's 测试甲, at most 50 shown


@pytest.mark.parametrize("n", [1, 50])
def test_archive_page_query_count(client, world: World, django_assert_num_queries, n: int) -> None:
    _records(world, n)
    assert CreditRecord.objects.filter(archive=world.archive).count() >= n
    client.force_login(world.edu_clerk)
    # 5 common + department codes, the archive (scoped, with subject/occupation/department
    # joined and the version of its records, findings and statements read in the same
    # query), the audit entry of the read (one insert, chained later), current records + their evidence
    # (prefetch), all earlier versions (one query), the subject's personal statements
    # (repair, one query), findings + their evidence (prefetch) = 15 (the memberships for
    # the buttons are the common read's, and the clerk works in the owning department, so
    # the occupation's other departments and the shares are not read: permissions.roles_on;
    # the credit level's row is joined to the archive's,
    # and not assessed here, so no reason titles or history; the roles the person holds in
    # units are not read: the archive row says they hold none, tests/units/test_views.py).
    with django_assert_num_queries(ARCHIVE):
        assert client.get(reverse("archives:archive", args=[world.archive.pk])).status_code == 200
    # Again, unchanged: the page but its reveal forms, the units and the time of query is
    # the cached fragment (header, buttons, form table, level panel, records), so
    # the reads behind them (the level's reason titles and history, records, evidence,
    # versions, statements, findings and what only they ask) are skipped: 2 common
    # (session, user: the memberships and role groups now come from the session) +
    # department codes, archive with its version and credit level (the level's stamp is
    # part of the fragment's key; joined to the archive's row) and the audit entry = 5.
    with django_assert_num_queries(ARCHIVE_CACHED):
        assert client.get(reverse("archives:archive", args=[world.archive.pk])).status_code == 200


DASHBOARD = 15
SEARCH = 10
ARCHIVE = 15
ARCHIVE_CACHED = 5


@pytest.mark.parametrize("n", [1, 50])
def test_review_queue_query_count(client, world: World, django_assert_num_queries, n: int) -> None:
    _records(world, n)
    client.force_login(world.edu_reviewer)
    # 5 common + the scope (read once for the records, the changes and the findings),
    # submitted records (subject, occupation, clerk joined), the changes awaiting approval
    # (one query), and intake's findings awaiting signature (2: the findings, the
    # batches) = 12.
    with django_assert_num_queries(QUEUE):
        response = client.get(reverse("archives:review_queue"))
    assert response.status_code == 200


@pytest.mark.parametrize("n", [1, 50])
def test_my_items_query_count(client, world: World, django_assert_num_queries, n: int) -> None:
    _records(world, n)
    client.force_login(world.edu_clerk)
    # 5 common + department codes of the scope filter (drafts, submitted, returned,
    # findings: 4), the four lists and the proposals (5) = 14.
    with django_assert_num_queries(MINE):
        response = client.get(reverse("archives:my_items"))
    assert response.status_code == 200
    assert response.content.decode().count('href="/staff/records/') >= min(n, 1)


@pytest.mark.parametrize("n", [1, 50])
def test_record_page_query_count(client, world: World, django_assert_num_queries, n: int) -> None:
    """The record page lists its versions and proposals: the same cost for 1 or 50 of them."""
    record = draft_negative(world)
    services.submit_record(record, by=world.edu_clerk)
    record = services.publish_record(record, by=world.edu_reviewer)
    for i in range(n):
        change = services.propose_correction(record, by=world.edu_clerk, reason="更正", decision_number=f"文号{i}")
        record = services.approve_change(change, by=world.edu_reviewer2)
    client.force_login(world.edu_clerk)
    # 5 common + department codes, the record (scoped, joined), the audit entry of the
    # read (one insert: reads do not take the chain head), all versions (one query), the
    # pending proposal, the evidence, all proposals of the lineage (one query) = 14 (the
    # memberships for the buttons are the common read's; the clerk works in the owning
    # department: no acting departments read, permissions.roles_on).
    with django_assert_num_queries(RECORD):
        assert client.get(reverse("archives:record", args=[record.pk])).status_code == 200


QUEUE = 12
MINE = 14
RECORD = 14


def test_review_queue_shows_the_oldest_hundred(client, world: World, monkeypatch) -> None:
    import importlib

    monkeypatch.setattr(importlib.import_module("archives.views.dashboard"), "REVIEW_QUEUE_SHOWN", 3)
    for i in range(5):
        record = draft_negative(world, title=f"待审{i}")
        services.submit_record(record, by=world.edu_clerk)
    client.force_login(world.edu_reviewer)
    page = client.get(reverse("archives:review_queue")).content.decode()
    assert page.count("待审") == 3
    assert "待审0" in page
    assert "待审4" not in page
    assert "仅显示等待最久的3条记录" in page


def test_review_queue_table_is_cached_until_a_record_enters_or_leaves_the_queue(
    client, world: World, django_assert_num_queries, commits
) -> None:
    first = draft_negative(world, title="待审甲")
    second = draft_negative(world, title="待审乙")
    with commits():
        services.submit_record(first, by=world.edu_clerk)
        services.submit_record(second, by=world.edu_clerk)
    client.force_login(world.edu_reviewer)
    page = client.get(reverse("archives:review_queue")).content.decode()
    assert "待审甲" in page
    assert "待审乙" in page
    # Unchanged queue: the table, the changes awaiting approval and the findings and
    # batches awaiting signature are the cached fragment, none is read. Session, user
    # (memberships and role groups come from the session) and the scope (part of the
    # fragment's key) = 3 (no session save: it was saved by the first request).
    with django_assert_num_queries(3):
        assert "待审甲" in client.get(reverse("archives:review_queue")).content.decode()
    # Published: leaving the queue advances its generation on commit, so the next page is fresh.
    with commits():
        services.publish_record(first, by=world.edu_reviewer)
    page = client.get(reverse("archives:review_queue")).content.decode()
    assert "待审甲" not in page
    assert "待审乙" in page
    # A proposal on the published record: among the changes once it commits.
    with commits():
        services.propose_withdrawal(first, by=world.edu_clerk, reason="撤销")
    assert "待审甲" in client.get(reverse("archives:review_queue")).content.decode()


def test_dashboard_lists_are_cached_until_what_they_list_changes(
    client, world: World, django_assert_num_queries, commits
) -> None:
    record = draft_negative(world, title="待审甲")
    with commits():
        services.submit_record(record, by=world.edu_clerk)
    client.force_login(world.edu_reviewer)
    dashboard = reverse("archives:dashboard")
    assert "待审甲" in client.get(dashboard).content.decode()
    # Unchanged: the department's lists are the cached fragment. Session, user (memberships
    # and role groups come from the session), the scope and the viewer's own drafts = 4.
    with django_assert_num_queries(4):
        assert "待审甲" in client.get(dashboard).content.decode()
    # Published: off the awaiting list once the publication commits.
    with commits():
        record = services.publish_record(record, by=world.edu_reviewer)
    assert "待审甲" not in client.get(dashboard).content.decode()
    # A proposal: on the changes awaiting approval once it commits.
    with commits():
        change = services.propose_withdrawal(record, by=world.edu_clerk, reason="撤销")
    assert "待审甲" in client.get(dashboard).content.decode()
    with commits():
        services.cancel_change(change, by=world.edu_clerk)
    assert "待审甲" not in client.get(dashboard).content.decode()


def test_dashboard_cache_is_never_shared_between_viewers(client, world: World) -> None:
    """A reviewer of another department, with the same generations, sees their own lists."""
    services.submit_record(draft_negative(world, title="待审甲"), by=world.edu_clerk)
    client.force_login(world.edu_reviewer)
    assert "待审甲" in client.get(reverse("archives:dashboard")).content.decode()
    client.force_login(world.health_reviewer)
    assert "待审甲" not in client.get(reverse("archives:dashboard")).content.decode()


@time_machine.travel(date(2026, 12, 28), tick=False)
def test_review_queue_findings_are_cached_until_a_finding_or_batch_changes(
    client, world: World, django_assert_num_queries, commits
) -> None:
    """The findings and batches awaiting signature are part of the queue's cached fragment:
    a finding drafted, deleted or signed, or a batch drafted or signed, shows on the next
    page of every reviewer once it commits; the drafter never sees their own (four eyes)."""
    from archives.intake import batches
    from tests.intake.test_lists import make_archives

    queue = reverse("archives:review_queue")
    client.force_login(world.edu_reviewer2)
    assert "/sign/" not in client.get(queue).content.decode()
    with django_assert_num_queries(3):  # cached: session, user, scope
        client.get(queue)

    with commits():
        single = services.draft_finding(world.archive, year=2025, status="trustworthy", basis="无失信记录",
                                        by=world.edu_reviewer)
    signing = reverse("archives:finding_sign", args=[single.pk])
    assert signing in client.get(queue).content.decode()
    client.force_login(world.edu_reviewer)  # the drafter: never offered their own draft
    assert signing not in client.get(queue).content.decode()

    with commits():
        services.delete_draft_finding(single, by=world.edu_reviewer)
    client.force_login(world.edu_reviewer2)
    assert signing not in client.get(queue).content.decode()

    with commits():
        again = services.draft_finding(world.archive, year=2025, status="trustworthy", basis="无失信记录",
                                       by=world.edu_clerk)
    signing = reverse("archives:finding_sign", args=[again.pk])
    assert signing in client.get(queue).content.decode()
    with commits():
        services.sign_finding(again, by=world.edu_reviewer2)
    assert signing not in client.get(queue).content.decode()

    make_archives(world, 2, employer="示范市第九中学")
    with commits():
        batch = batches.draft_batch(department=world.education, year=2026, employer="示范市第九中学",
                                    by=world.edu_reviewer)
    batch_url = reverse("archives:intake_batch", args=[batch.pk])
    assert batch_url in client.get(queue).content.decode()
    client.force_login(world.edu_reviewer)  # the batch's drafter
    assert batch_url not in client.get(queue).content.decode()
    with commits():
        batches.sign_batch(batch, by=world.edu_reviewer2)
    client.force_login(world.edu_reviewer2)
    assert batch_url not in client.get(queue).content.decode()
