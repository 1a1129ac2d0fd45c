"""The department's archive list, filters, export and the clerk's own items."""

from __future__ import annotations

from datetime import date, timedelta
from io import BytesIO

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from archives import services
from archives.models import Archive, CreditRecord
from tests import factories as f
from tests.archives.conftest import draft_negative

pytestmark = pytest.mark.django_db


def make_archives(world, n: int, *, employer: str = "示范市第三中学", start: int = 0) -> list[Archive]:  # type: ignore[no-untyped-def]
    made = []
    for i in range(start, start + n):
        subject, _ = services.find_or_create_subject(
            name=f"列表{i:03d}", id_number=f.make_id_number(birth=date(1970, 1, 1) + timedelta(days=i), seq=i % 50,
                                                             region="110108"), by=world.edu_clerk)
        made.append(services.open_archive(subject=subject, occupation=world.teacher, department=world.education,
                                          employer=employer, by=world.edu_clerk))
    return made


def publish_negative(world, archive: Archive) -> CreditRecord:  # type: ignore[no-untyped-def]
    record = draft_negative(world, archive=archive)  # negative information goes with its evidence
    services.submit_record(record, by=world.edu_clerk)
    return services.publish_record(record, by=world.edu_reviewer)


def test_filters(client, world) -> None:
    first, second = make_archives(world, 2, employer="示范市第九中学")
    publish_negative(world, first)
    Archive.objects.filter(pk=second.pk).update(last_updated_at=timezone.now() - timedelta(days=400))
    client.force_login(world.edu_clerk)
    url = reverse("archives:intake_archives")

    def names(**params: object) -> set[str]:
        page = client.get(url, params).context["list"].page
        return {a.name for a in page.object_list}

    assert names(employer="第九") == {"列表000", "列表001"}
    assert names(employer="第九", negative="yes") == {"列表000"}
    assert names(employer="第九", negative="no") == {"列表001"}
    assert names(employer="第九", overdue="yes") == {"列表001"}
    assert names(employer="第九", occupation=world.doctor.pk) == names(employer="第九")  # not offered: refused, others apply
    assert names(employer="第九", state="closed") == set()
    assert names(employer="第九", finding_year=2025) == set()


def test_another_department_does_not_see_the_archives(client, world) -> None:
    make_archives(world, 1, employer="示范市第九中学")
    client.force_login(world.health_clerk)
    page = client.get(reverse("archives:intake_archives"), {"employer": "第九"}).context["list"].page
    assert page.paginator.count == 0
    export = client.get(reverse("archives:intake_archives_export"), {"employer": "第九"})
    assert list(load_workbook(BytesIO(export.content)).worksheets[0].iter_rows(min_row=2, values_only=True)) == []


def test_citizen_is_refused(client, world) -> None:
    client.force_login(world.citizen)
    assert client.get(reverse("archives:intake_archives")).status_code == 403
    assert client.get(reverse("archives:intake_archives_export")).status_code == 403


def test_export_has_real_dates_frozen_header_and_filter(client, world) -> None:
    make_archives(world, 3, employer="示范市第九中学")
    client.force_login(world.edu_reviewer)
    response = client.get(reverse("archives:intake_archives_export"), {"employer": "第九"})
    sheet = load_workbook(BytesIO(response.content)).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "姓名"
    assert len(rows) == 4
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == "A1:K4"
    assert isinstance(rows[1][9], __import__("datetime").datetime)  # a date cell, not text
    assert "*" in rows[1][1]  # masked ID number


def test_the_list_is_a_roster_by_occupation_unit_and_opening_and_its_pages_keep_the_order(client, world) -> None:
    """The page's archives are chosen by id and read whole after (archives.intake.lists):
    the rows come back in the list's order, page after page, with every annotation."""
    from archives.intake import lists

    lists_page_size = lists.PAGE_SIZE
    lists.PAGE_SIZE = 2
    try:
        third = make_archives(world, 2, employer="示范市第三中学")
        ninth = make_archives(world, 1, employer="示范市第九中学", start=2)
        publish_negative(world, third[1])
        # Opened later, but of the first unit in order: it comes first.
        subject, _ = services.find_or_create_subject(
            name="后来", id_number=f.make_id_number(birth=date(1990, 1, 1), region="110108"), by=world.edu_clerk)
        early_unit = services.open_archive(subject=subject, occupation=world.teacher, department=world.education,
                                           employer="示范市第一中学", by=world.edu_clerk)
        # Opened last in the third unit, with a name that sorts first: last in its unit.
        subject, _ = services.find_or_create_subject(
            name="丁一", id_number=f.make_id_number(birth=date(1991, 1, 1), region="110108"), by=world.edu_clerk)
        latest = services.open_archive(subject=subject, occupation=world.teacher, department=world.education,
                                       employer="示范市第三中学", by=world.edu_clerk)
        client.force_login(world.edu_clerk)
        url = reverse("archives:intake_archives")
        pages = [client.get(url, {"page": n}).context["list"].page for n in (1, 2, 3)]
    finally:
        lists.PAGE_SIZE = lists_page_size
    shown = [a for page in pages for a in page.object_list]
    assert {a.pk for a in (*third, *ninth, early_unit)} <= {a.pk for a in shown}
    # By the catalogue's order of occupations, then unit names as text (第一 < 第三 < 第九
    # by code point), then the opening order.
    assert [a.pk for a in shown] == [a.pk for a in sorted(shown, key=lambda a: (a.occupation_sort, a.employer, a.pk))]
    made = {a.pk for a in (*third, *ninth, early_unit, latest)}
    assert [a.pk for a in shown if a.pk in made] == [early_unit.pk, third[0].pk, third[1].pk, latest.pk, ninth[0].pk]
    negative = {a.pk: a.has_negative for page in pages for a in page.object_list}
    assert negative[third[1].pk] is True
    assert negative[third[0].pk] is False
    assert [len(page.object_list) for page in pages] == [2, 2, 2]


def test_one_occupation_is_listed_by_unit_and_opening_and_counted_no_further_than_the_cap(
    client, world, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    from archives.intake import lists

    monkeypatch.setattr(lists, "EXPORT_MAX_ROWS", 3)
    monkeypatch.setattr(lists, "PAGE_SIZE", 2)
    make_archives(world, 2, employer="示范市第九中学")
    third = make_archives(world, 2, employer="示范市第三中学", start=2)
    client.force_login(world.edu_clerk)
    url = reverse("archives:intake_archives")
    pages = [client.get(url, {"occupation": world.teacher.pk, "page": n}).context["list"].page for n in (1, 2, 3)]
    assert pages[0].paginator.count == 3
    assert pages[0].paginator.num_pages == 2
    shown = [a.pk for page in pages[:2] for a in page.object_list]
    # The first three of the occupation's archives by unit, then opening.
    every = sorted(Archive.objects.filter(occupation=world.teacher), key=lambda a: (a.employer, a.pk))
    assert shown == [a.pk for a in every[:3]]
    assert {third[0].pk, third[1].pk} <= set(shown)  # 第三 before 第九, though opened after
    assert [a.pk for a in pages[2].object_list] == [a.pk for a in pages[1].object_list]  # no page past the cap
    html = client.get(url, {"occupation": world.teacher.pk}).content.decode()
    assert "超过 3 份档案" in html
    assert reverse("archives:intake_archives_export") not in html
    # Under the cap the exact number, and the export.
    monkeypatch.setattr(lists, "EXPORT_MAX_ROWS", 100)
    cache.clear()  # the cap is the deployment's constant: the page kept under the old one goes
    page = client.get(url, {"occupation": world.teacher.pk})
    assert page.context["list"].page.paginator.count == Archive.objects.filter(occupation=world.teacher).count()
    assert reverse("archives:intake_archives_export") in page.content.decode()


def test_the_occupation_filter_offers_the_scope_occupations_and_shared_ones(client, world) -> None:
    from departments.models import OccupationDepartment

    doctor_archive = make_archives(world, 1)[0]  # an education archive, shared with health below
    client.force_login(world.health_clerk)
    offered = set(client.get(reverse("archives:intake_archives")).context["list"].form.fields["occupation"].queryset)
    assert world.teacher not in offered
    assert world.doctor in offered  # health is responsible for doctors in the catalogue
    services.share_archive(doctor_archive, department=world.health, by=world.credit_office)
    offered = set(client.get(reverse("archives:intake_archives")).context["list"].form.fields["occupation"].queryset)
    assert world.teacher in offered  # the shared archive's occupation
    page = client.get(reverse("archives:intake_archives"), {"occupation": world.teacher.pk}).context["list"].page
    assert [a.pk for a in page.object_list] == [doctor_archive.pk]
    # The credit office may filter by any occupation.
    client.force_login(world.credit_office)
    offered = set(client.get(reverse("archives:intake_archives")).context["list"].form.fields["occupation"].queryset)
    assert {world.teacher, world.doctor} <= offered
    assert OccupationDepartment.objects.filter(occupation=world.teacher, department=world.health).exists() is False


@pytest.mark.parametrize("n", [1, 50])
def test_list_query_count_is_the_same_for_1_and_50(client, world, django_assert_num_queries, n: int) -> None:
    make_archives(world, n, employer="示范市第九中学")
    client.force_login(world.edu_clerk)
    client.get(reverse("archives:intake_archives"))  # warm the session
    # 1 session, 2 user, 3 the occupations the departments share and the archives shared
    # with them (the scope, read once for the list and the filter's choices), 4 the update
    # cadences (catalogue data, for the overdue annotation), 5 count, 6 the page's ids,
    # 7 those archives with subject, occupation, department and both annotations, 8 the
    # occupations of the filter. The same for 1 and 50 rows. (The user's memberships and
    # role groups: read on the first request after signing in, then kept in the session,
    # departments.scope.)
    with django_assert_num_queries(8):
        response = client.get(reverse("archives:intake_archives"), {"employer": "第九"})
    assert len(response.context["list"].page.object_list) == n


def test_my_items_is_the_one_page_for_typed_and_imported_records(client, world) -> None:
    from django.urls import NoReverseMatch

    from tests.intake.conftest import filled, row
    from tests.intake.test_importer import run

    record = draft_negative(world)
    services.submit_record(record, by=world.edu_clerk)
    other = draft_negative(world, title="另一条")
    services.submit_record(other, by=world.edu_clerk)
    services.return_record(other, reason="请补充文号", by=world.edu_reviewer)
    imported = run(world, filled(world.teacher, [row(1)]))
    imported_id = next(iter(imported.record_ids.values()))
    client.force_login(world.edu_clerk)
    page = client.get(reverse("archives:my_items")).content.decode()
    assert "违规有偿补课" in page
    assert "另一条" in page
    assert "请补充文号" in page
    assert reverse("archives:record", args=[imported_id]) in page
    assert "Excel 导入" in page
    assert "网页表单" in page
    assert page.index("另一条") < page.index("违规有偿补课")  # returned ones first: they wait for the clerk
    drafts = client.get(reverse("archives:my_items"), {"state": "draft"})
    assert [r.pk for r in drafts.context["page"].object_list] == [imported_id]
    assert drafts.context["counts"] == {"returned": 1, "draft": 1, "submitted": 1}
    # The second page of the same list is gone.
    with pytest.raises(NoReverseMatch):
        reverse("archives:intake_my_records")
    assert client.get("/staff/intake/my-records/").status_code == 404
    # Someone else's records are not on it: the reviewer and another department's clerk.
    for user in (world.edu_reviewer, world.health_clerk):
        client.force_login(user)
        response = client.get(reverse("archives:my_items"))
        assert response.context["total"] == 0
        assert "违规有偿补课" not in response.content.decode()
    client.logout()
    assert client.get(reverse("archives:my_items")).status_code == 302


def test_the_export_is_an_audited_read(client, world) -> None:
    """Who took the list out of the system, and how many rows, is in the audit trail (an
    audited read, chained later like every read: the page writes no chain head)."""
    from credit_portal.models import AuditEntry

    make_archives(world, 2, employer="示范市第九中学")
    client.force_login(world.edu_clerk)
    client.get(reverse("archives:intake_archives_export"), {"employer": "第九"})
    entry = AuditEntry.objects.get(action="intake.archives.exported")
    assert entry.actor_id == world.edu_clerk.pk
    assert entry.detail == {"rows": 2, "filters": ["employer"]}


def test_an_export_over_the_limit_is_refused_with_a_message_and_the_list_offers_none(
    client, world, monkeypatch, commits,
) -> None:
    from archives.intake import lists
    from credit_portal.models import AuditEntry

    monkeypatch.setattr(lists, "EXPORT_MAX_ROWS", 2)
    make_archives(world, 3, employer="示范市第九中学")
    client.force_login(world.edu_clerk)
    audited = AuditEntry.objects.filter(action="intake.archives.exported").count()

    response = client.get(reverse("archives:intake_archives_export"), {"employer": "第九"}, follow=True)
    [(url, status)] = response.redirect_chain
    assert (url, status) == (reverse("archives:intake_archives") + "?employer=%E7%AC%AC%E4%B9%9D", 302)
    assert response["Content-Type"].startswith("text/html")
    html = response.content.decode()
    assert "导出最多包含 2 份档案" in html  # the message, in the clerk's language
    assert 'id="export-too-large"' in html
    assert reverse("archives:intake_archives_export") not in html  # no button that cannot work
    assert AuditEntry.objects.filter(action="intake.archives.exported").count() == audited

    # The list counts no further than the limit: it says "more than" and pages up to it.
    page = client.get(reverse("archives:intake_archives"), {"employer": "第九"})
    assert page.context["list"].page.paginator.count == 2
    assert "超过 2 份档案" in page.content.decode()
    assert 'id="archive-count"' in page.content.decode()

    # Narrowed to two archives, the export is offered and made.
    with commits():  # the list's kept pages go on commit
        services.update_archive(Archive.objects.filter(employer="示范市第九中学").first(), by=world.edu_clerk,
                                employer="示范市第十中学")
    page = client.get(reverse("archives:intake_archives"), {"employer": "第九"}).content.decode()
    assert reverse("archives:intake_archives_export") in page
    assert 'id="export-too-large"' not in page
    export = client.get(reverse("archives:intake_archives_export"), {"employer": "第九"})
    assert len(list(load_workbook(BytesIO(export.content)).worksheets[0].iter_rows(min_row=2))) == 2


def test_a_repeated_list_is_the_kept_page_until_what_it_shows_changes(
    client, world, django_assert_num_queries, commits,
) -> None:
    """The filters, count, lines and pages are one cached fragment: a repeat reads only the
    session, the user and the scope (the key names it); an archive opened or imported, a
    person renamed, an archive edited or closed, a negative record published: each shows on
    the next request once it commits."""
    from tests.intake.conftest import filled, row
    from tests.intake.test_importer import run

    with commits():
        (first,) = make_archives(world, 1, employer="示范市第九中学")
    client.force_login(world.edu_clerk)
    url = reverse("archives:intake_archives")

    def page(**params: object) -> str:
        return client.get(url, params).content.decode()

    assert "列表000" in page(employer="第九")
    with django_assert_num_queries(3):  # session, user, scope
        assert "列表000" in page(employer="第九")
    # Another query string is another page (the key names the filters and the page).
    assert "列表000" not in page(employer="第九", state="closed")

    with commits():  # opened
        make_archives(world, 1, employer="示范市第九中学", start=1)
    assert "列表001" in page(employer="第九")
    with commits():  # imported: a new person, a new archive
        run(world, filled(world.teacher, [row(7, employer="示范市第九中学")]))
    assert "导入007" in page(employer="第九")
    with commits():  # renamed
        services.update_subject(first.subject, by=world.edu_clerk, name="改名甲")
    assert "改名甲" in page(employer="第九")
    assert "改名甲" not in page(employer="第九", negative="yes")
    with commits():  # a negative record published
        publish_negative(world, first)
    assert "改名甲" in page(employer="第九", negative="yes")
    with commits():  # moved to another unit
        services.update_archive(first, by=world.edu_clerk, employer="示范市第十中学")
    assert "改名甲" not in page(employer="第九")
    with commits():  # closed
        services.close_archive(Archive.objects.get(subject__name="列表001"), reason="调离", by=world.edu_reviewer)
    assert "列表001" in page(employer="第九", state="closed")


def test_a_kept_list_is_never_shown_to_another_viewer(client, world) -> None:
    """Two clerks of different departments with the same query string and generations: each
    sees their own list."""
    make_archives(world, 1, employer="示范市第九中学")
    url = reverse("archives:intake_archives")
    client.force_login(world.edu_clerk)
    assert "列表000" in client.get(url, {"employer": "第九"}).content.decode()
    client.force_login(world.health_clerk)
    assert "列表000" not in client.get(url, {"employer": "第九"}).content.decode()
