"""Admin list pages at a million people: each joins only what it shows and is ordered by
an index (``credit_portal.admin_site.ListedForeignKeysAdminMixin``, ``archives.admin``)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from repair import services
from tests import factories as f
from tests.repair.conftest import pdf

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client() -> Client:
    client = Client()
    client.force_login(f.make_user("the-admin", is_staff=True, is_superuser=True))
    return client


def _page_select(queries: CaptureQueriesContext, table: str) -> str:
    """The list page's own SELECT of ``table`` (not its COUNT)."""
    return next(q["sql"] for q in queries.captured_queries
                if q["sql"].startswith("SELECT") and f'FROM "{table}"' in q["sql"] and "COUNT(" not in q["sql"])


def test_the_objections_list_joins_the_account_it_shows_not_the_record_chain(
    admin_client, world, record, links
) -> None:
    objection = services.file_objection(record, by=world.citizen, reasons="日期有误", files=[pdf()])
    with CaptureQueriesContext(connection) as queries:
        response = admin_client.get("/admin/repair/objection/")
    assert response.status_code == 200
    assert objection.reference in response.content.decode()
    select = _page_select(queries, "repair_objection")
    # Django's default, select_related() of every foreign key, joined the record, its
    # archive and the person (2 s at 1,000,000 people); the list shows only the officer.
    assert '"archives_creditrecord"' not in select
    assert '"archives_subject"' not in select
    assert '"credit_portal_user"' in select


def test_an_admin_that_names_its_joins_keeps_them(admin_client, world, record) -> None:
    with CaptureQueriesContext(connection) as queries:
        response = admin_client.get("/admin/archives/creditrecord/")
    assert response.status_code == 200
    select = _page_select(queries, "archives_creditrecord")
    assert '"archives_subject"' in select
    assert '"departments_recordcategory"' in select


@pytest.mark.parametrize(("path", "table"), [
    ("/admin/archives/creditrecord/", "archives_creditrecord"),
    ("/admin/archives/annualfinding/", "archives_annualfinding"),
])
def test_the_largest_lists_are_newest_first_by_their_primary_key(admin_client, world, record, path, table) -> None:
    """The model's order (decision date, year) sorted every row for each page: 23 s for the
    records' list at 11,000,000 records. The primary key's index serves newest first."""
    with CaptureQueriesContext(connection) as queries:
        response = admin_client.get(path)
    assert response.status_code == 200
    select = _page_select(queries, table)
    assert select.split("ORDER BY", 1)[1].split("LIMIT")[0].strip() == f'"{table}"."id" DESC'
    # One count for the page, not a second for the unfiltered total.
    assert sum('SELECT COUNT(*)' in q["sql"] and f'FROM "{table}"' in q["sql"] for q in queries.captured_queries) == 1


def test_no_column_of_the_records_list_offers_a_sort_the_index_cannot_serve(admin_client, world, record) -> None:
    page = admin_client.get("/admin/archives/creditrecord/").content.decode()
    header = page.split('id="result_list"', 1)[1].split("</thead>")[0]
    assert record.title in page
    assert "sortable" not in header


def test_a_crafted_sort_of_a_column_not_offered_is_ignored(admin_client, world, record) -> None:
    """``sortable_by = ()`` hides the headers' sorts; ``?o=`` in a typed address used to
    sort by the column anyway (all 11,000,000 records for each page)."""
    with CaptureQueriesContext(connection) as queries:
        response = admin_client.get("/admin/archives/creditrecord/", {"o": "2.-1"})
    assert response.status_code == 200
    assert record.title in response.content.decode()
    select = _page_select(queries, "archives_creditrecord")
    assert select.split("ORDER BY", 1)[1].split("LIMIT")[0].strip() == '"archives_creditrecord"."id" DESC'


def test_a_list_that_offers_sorts_still_sorts(admin_client, world) -> None:
    f.make_user("zz-last")
    f.make_user("aa-first")
    names = []
    # The user name is the first column (no action checkbox: accounts are not deleted).
    for order in ("0", "-0"):
        page = admin_client.get("/admin/credit_portal/user/", {"o": order}).content.decode()
        names.append(page.index("aa-first") < page.index("zz-last"))
    assert names == [True, False]


def test_nobody_edits_or_deletes_a_case_a_statement_or_a_rating_in_the_admin(admin_client, world, record, links) -> None:
    """A superuser holding the admin cannot rewrite the person's 本人声明 (printed beside
    the record in every report), delete a poor rating or an objection with its history:
    the pages answer 403 and the rows stay as they were."""
    from repair.models import Objection, PersonalStatement

    objection = services.file_objection(record, by=world.citizen, reasons="日期有误")
    statement = services.add_personal_statement(objection, by=world.citizen, text="本人当日在外地培训。")
    for model, pk in (("personalstatement", statement.pk), ("objection", objection.pk), ("rating", None),
                      ("repairapplication", None)):
        assert admin_client.get(f"/admin/repair/{model}/add/").status_code == 403, model
        if pk is None:
            continue
        assert admin_client.get(f"/admin/repair/{model}/{pk}/change/").status_code == 200, model
        assert admin_client.post(f"/admin/repair/{model}/{pk}/change/", {"text": "改过的声明"}).status_code == 403
        assert admin_client.post(f"/admin/repair/{model}/{pk}/delete/", {"post": "yes"}).status_code == 403
    assert PersonalStatement.objects.get(pk=statement.pk).text == "本人当日在外地培训。"
    assert Objection.objects.filter(pk=objection.pk).exists()


def test_what_an_admin_reads_of_a_person_is_an_audited_read(admin_client, world, record, links) -> None:
    """Tried as an insider holding the admin: a person's record, archive, objection and
    statement read there are in the trail like a clerk's reads, naming the person; a list
    page says how many rows and whether it was searched (not the words searched)."""
    from credit_portal.models import AuditEntry

    objection = services.file_objection(record, by=world.citizen, reasons="日期有误")
    statement = services.add_personal_statement(objection, by=world.citizen, text="本人当日在外地培训。")
    person = str(record.archive.subject_id)
    for path, action, target in (
        (f"/admin/archives/creditrecord/{record.pk}/change/", "archives.creditrecord.viewed_in_admin", record.pk),
        (f"/admin/archives/subject/{record.archive.subject_id}/change/", "archives.subject.viewed_in_admin",
         record.archive.subject_id),
        (f"/admin/repair/objection/{objection.pk}/change/", "repair.objection.viewed_in_admin", objection.pk),
        (f"/admin/repair/personalstatement/{statement.pk}/change/", "repair.personalstatement.viewed_in_admin",
         statement.pk),
    ):
        assert admin_client.get(path).status_code == 200, path
        entry = AuditEntry.objects.filter(action=action).latest("pk")
        assert (entry.object_id, entry.subject_ref) == (str(target), person), path
    assert admin_client.get("/admin/archives/subject/", {"q": record.archive.subject.name}).status_code == 200
    listed = AuditEntry.objects.filter(action="archives.subject.listed_in_admin").latest("pk")
    assert listed.detail == {"rows": 1, "searched": True}
    assert record.archive.subject.name not in str(listed.detail)
