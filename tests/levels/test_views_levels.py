"""The credit office's level list and rule pages (permissions, query counts, errors),
and the level with its reasons on the staff archive page and in the citizen portal."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import time_machine
from django.urls import reverse

from archives import services
from archives.levels import services as level_services
from archives.levels.models import ArchiveLevel, Level, LevelRule
from credit_portal.prepared import source
from tests import factories as f
from tests.archives.conftest import World, publish_negative

pytestmark = pytest.mark.django_db

DAY = date(2026, 5, 4)


def _archives(world: World, n: int) -> None:
    for i in range(n):
        subject, _ = services.find_or_create_subject(
            name=f"测试{i}", id_number=f.make_id_number(birth=date(1970 + i % 30, 1, 1), seq=i % 50), by=world.edu_clerk
        )
        archive = services.open_archive(subject=subject, occupation=world.teacher, department=world.education,
                                        employer="示范中学", by=world.edu_clerk)
        level_services.recompute_level(archive)


@pytest.mark.parametrize("user", ["edu_clerk", "edu_reviewer", "health_reviewer", "citizen"])
def test_only_the_credit_office_sees_the_level_list_and_rules(client, world: World, user: str) -> None:
    client.force_login(getattr(world, user))
    assert client.get(reverse("archives:levels")).status_code == 403
    assert client.get(reverse("archives:level_rules")).status_code == 403
    assert client.get(reverse("archives:level_rule_new")).status_code == 403
    rule = LevelRule.objects.filter(is_active=True).first()
    assert client.post(reverse("archives:level_rule_retire", args=[rule.pk])).status_code == 403
    rule.refresh_from_db()
    assert rule.is_active


def test_anonymous_users_are_sent_to_sign_in(client, world: World) -> None:
    response = client.get(reverse("archives:levels"))
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


@pytest.mark.parametrize("n", [1, 50])
def test_level_list_query_count(client, world: World, django_assert_num_queries, n: int) -> None:
    _archives(world, n)
    client.force_login(world.credit_office)
    # 5 common (session, user, memberships, role groups, session save) + the staff
    # navigation's reviewer and clerk memberships (2), the filter form's departments and
    # occupations (2), the count and the page (level with archive, person, occupation,
    # department joined: 2), the session save's savepoint and release (2) = 13.
    # (The user's memberships and role groups: one query for every role on the first request
    # after signing in, none later: kept in the session, departments.scope.)
    with django_assert_num_queries(11):
        response = client.get(reverse("archives:levels"), {"level": "normal"})
    assert response.status_code == 200
    assert response.content.decode().count('href="/staff/archives/') == min(n, 50)


def test_level_list_filters_by_level_and_department(client, world: World, django_capture_on_commit_callbacks) -> None:
    _archives(world, 3)
    with time_machine.travel(DAY, tick=False), django_capture_on_commit_callbacks(execute=True):
        publish_negative(world, severity="serious")
    client.force_login(world.credit_office)
    page = client.get(reverse("archives:levels"), {"level": "serious"}).content.decode()
    assert f'href="/staff/archives/{world.archive.pk}/"' in page
    assert page.count('href="/staff/archives/') == 1
    other = client.get(reverse("archives:levels"), {"department": world.health.pk}).content.decode()
    assert 'href="/staff/archives/' not in other


def test_staff_archive_page_shows_the_level_and_its_reasons(client, world: World, django_capture_on_commit_callbacks):
    with time_machine.travel(DAY, tick=False), django_capture_on_commit_callbacks(execute=True):
        publish_negative(world, title="违规有偿补课")
    client.force_login(world.edu_clerk)
    page = client.get(reverse("archives:archive", args=[world.archive.pk])).content.decode()
    assert 'data-level="warning"' in page
    assert "违规有偿补课" in page.split('class="govuk-list govuk-list--number app-level-reasons"')[1].split("</ol>")[0]


def test_adding_a_rule_without_basis_shows_the_error_and_writes_nothing(client, world: World) -> None:
    client.force_login(world.credit_office)
    before = LevelRule.objects.count()
    response = client.post(reverse("archives:level_rule_new"), {
        "level": "warning", "condition": "negative_record", "severity": "minor", "finding_status": "", "years": "1",
        "source": "",
    })
    assert response.status_code == 200
    body = response.content.decode()
    assert "<title>错误：" in body or "错误：" in body.split("</title>")[0]
    assert 'href="#id_source"' in body
    assert LevelRule.objects.count() == before


def test_adding_a_contradicting_rule_is_refused_on_the_page(client, world: World) -> None:
    client.force_login(world.credit_office)
    response = client.post(reverse("archives:level_rule_new"), {
        "level": "serious", "condition": "negative_record", "severity": "minor", "finding_status": "", "years": "0",
        "source": "某文件第三条",
    })
    assert response.status_code == 200
    assert 'href="#id_level"' in response.content.decode()
    assert not LevelRule.objects.filter(condition="negative_record", severity="minor").exists()


def test_the_credit_office_adds_and_retires_a_rule(client, world: World) -> None:
    client.force_login(world.credit_office)
    response = client.post(reverse("archives:level_rule_new"), {
        "level": "warning", "condition": "negative_record", "severity": "minor", "finding_status": "", "years": "1",
        "source": "某市信用分级分类监管办法第五条",
    })
    assert response.status_code == 302
    rule = LevelRule.objects.get(condition="negative_record", severity="minor", is_active=True)
    assert client.post(reverse("archives:level_rule_retire", args=[rule.pk])).status_code == 302
    rule.refresh_from_db()
    assert not rule.is_active


def test_level_of_archive_defaults_to_normal_and_is_not_assessed_until_computed(world: World) -> None:
    assert not ArchiveLevel.objects.filter(archive=world.archive).exists()
    assert level_services.refresh_due_levels(today=DAY) >= 1
    assert ArchiveLevel.objects.get(archive=world.archive).level == Level.NORMAL


def test_staff_archive_page_reads_the_level_with_the_archive_and_shows_each_change(
    client, world: World, django_capture_on_commit_callbacks, django_assert_num_queries
) -> None:
    """The level's row is joined to the archive's on the staff archive page: never a query
    of its own, never cached (a new level shows on the next request), its history listed."""
    client.force_login(world.edu_clerk)
    url = reverse("archives:archive", args=[world.archive.pk])
    assert "data-level=" not in client.get(url).content.decode()
    with time_machine.travel(DAY, tick=False), django_capture_on_commit_callbacks(execute=True):
        publish_negative(world, title="违规有偿补课")
    with django_assert_num_queries(ARCHIVE_PAGE_WITH_LEVEL) as captured:
        page = client.get(url).content.decode()
    assert not any('FROM "levels_archivelevel"' in source(q["sql"]) for q in captured.captured_queries)
    assert 'data-level="warning"' in page
    assert "信用等级变更历史" in page
    assert ArchiveLevel.objects.get(archive=world.archive).level == Level.WARNING


# Session, user, scope, the archive with its stamp and level, the audit entry, the level's
# reason titles and its history, and the records part (the records changed, so not the
# cached fragment: records, their evidence, earlier versions, personal statements,
# findings) = 12 (the clerk works in the owning department: no acting departments read,
# archives.permissions.roles_on).
ARCHIVE_PAGE_WITH_LEVEL = 12


def test_staff_archive_page_shows_a_recomputed_level_though_its_records_did_not_change(
    client, world: World, django_capture_on_commit_callbacks
) -> None:
    """The level panel is part of the page's cached fragment, keyed by the level's stamp:
    a recompute that changes the level (rules retired, time passing) shows on the next
    request even when no record or finding changed."""
    with time_machine.travel(DAY, tick=False), django_capture_on_commit_callbacks(execute=True):
        publish_negative(world, title="违规有偿补课")
    client.force_login(world.edu_clerk)
    url = reverse("archives:archive", args=[world.archive.pk])
    assert 'data-level="warning"' in client.get(url).content.decode()
    assert 'data-level="warning"' in client.get(url).content.decode()
    LevelRule.objects.update(is_active=False)
    with time_machine.travel(DAY + timedelta(days=1), tick=False):
        level_services.recompute_level(world.archive)
    assert ArchiveLevel.objects.get(archive=world.archive).level != Level.WARNING
    assert 'data-level="warning"' not in client.get(url).content.decode()
