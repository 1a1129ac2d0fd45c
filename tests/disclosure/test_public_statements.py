"""Personal statements (本人声明) on the public lists (DESIGN §7: "the subject may attach a
personal statement (本人声明) shown with the record"; §6: the public sees masked entries,
no ID number, phone or evidence).

The statement is shown with the entry it concerns, escaped, read for the whole page at
once (the same number of queries for 1 and 50 entries); a statement of a record the list
no longer names is not shown.
"""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from archives.listing.models import ListingBasis
from archives.models import CreditRecord
from repair import services as repair_services
from repair.models import Objection, PersonalStatement
from tests.disclosure.conftest import make_record
from tests.disclosure.test_public_lists import _listed, _person

pytestmark = pytest.mark.django_db

LABEL = "信用主体的本人声明"


def _state(record: CreditRecord, text: str) -> PersonalStatement:
    """A statement written to the table for a record of another person than the linked
    citizen (the service's path is tested below with the linked one)."""
    subject = record.archive.subject
    now = timezone.now()
    objection = Objection.objects.create(
        reference=f"YY{record.pk:08d}", record=record, subject=subject, filed_by=record.created_by, filed_at=now,
        accept_due=now.date(), reasons="记录有误", state=Objection.State.UNVERIFIABLE, concluded_at=now,
    )
    return PersonalStatement.objects.create(
        lineage=record.lineage, objection=objection, subject=subject, text=text, created_at=now,
    )


def _row(page: str, anchor: str) -> str:
    """The table row holding ``anchor``."""
    at = page.index(anchor)
    return page[page.rindex("<tr", 0, at):page.index("</tr>", at)]


def test_the_persons_statement_is_shown_with_their_entry_on_the_dishonesty_list(client, disc) -> None:
    """Filed and stated through the services by the person, as on the citizen pages."""
    w = disc.world
    record = make_record(w.archive, by=w.edu_clerk, title="严重失信示例", severity=CreditRecord.Severity.SERIOUS)
    from tests.listing.factories import make_listing

    make_listing(record, by=w.edu_clerk)
    _listed(_person(w, "李无声", 31), w.edu_clerk, title="另一人的严重失信")
    objection = repair_services.file_objection(record, by=w.citizen, reasons="当日不在本市。")
    repair_services.add_personal_statement(objection, by=w.citizen, text="本人当日在外地出差，有车票为证。")

    page = client.get(reverse("disclosure:dishonesty_list")).content.decode()
    row = _row(page, "严重失信示例")
    assert f"{LABEL}</strong>：本人当日在外地出差，有车票为证。" in row
    assert "异议处理中" in row  # and the entry is flagged as under objection (DESIGN §7)
    # Nobody else's entry carries it; nothing private comes with it (DESIGN §6).
    assert LABEL not in _row(page, "另一人的严重失信")
    assert w.subject.id_number not in page


def test_a_statement_is_escaped(client, disc) -> None:
    w = disc.world
    listing = _listed(_person(w, "王有声", 32), w.edu_clerk, title="严重失信甲")
    _state(listing.basis.get().record, '<script>alert("本人声明")</script>&<b>粗体</b>')
    page = client.get(reverse("disclosure:dishonesty_list")).content.decode()
    assert "&lt;script&gt;alert(&quot;本人声明&quot;)&lt;/script&gt;&amp;&lt;b&gt;粗体&lt;/b&gt;" in page
    assert "<script>alert" not in page
    assert "<b>粗体" not in page


def test_a_statement_of_a_record_no_longer_on_the_list_is_not_shown(client, disc) -> None:
    """A listing resting on two records stays when one of them ends (repaired, withdrawn):
    that record is no longer named in public, nor its statement. A listing removed from
    the list takes its statements with it."""
    w = disc.world
    archive = _person(w, "赵两条", 33)
    listing = _listed(archive, w.edu_clerk, title="仍在名单的记录")
    ended = make_record(archive, by=w.edu_clerk, title="已修复的失信事项", severity=CreditRecord.Severity.SERIOUS,
                        state=CreditRecord.State.REPAIRED)
    ListingBasis.objects.create(listing=listing, record=ended, lineage=ended.lineage, ended=True)
    _state(listing.basis.get(ended=False).record, "声明甲：仍在名单的记录的声明。")
    _state(ended, "声明乙：已修复记录的声明。")
    removed = _listed(_person(w, "孙已移出", 34), w.edu_clerk, title="已移出名单", listing={"state": "removed"})
    _state(removed.basis.get().record, "声明丙：已移出名单者的声明。")

    page = client.get(reverse("disclosure:dishonesty_list")).content.decode()
    assert "声明甲：仍在名单的记录的声明。" in _row(page, "仍在名单的记录")
    assert "已修复的失信事项" not in page
    assert "声明乙" not in page
    assert "声明丙" not in page


def test_a_listing_on_several_records_names_the_record_each_statement_concerns(client, disc) -> None:
    w = disc.world
    archive = _person(w, "钱两条", 35)
    listing = _listed(archive, w.edu_clerk, title="第一项严重失信")
    second = make_record(archive, by=w.edu_clerk, title="第二项严重失信", severity=CreditRecord.Severity.SERIOUS)
    ListingBasis.objects.create(listing=listing, record=second, lineage=second.lineage)
    _state(second, "第二项另有隐情。")
    row = _row(client.get(reverse("disclosure:dishonesty_list")).content.decode(), "第一项严重失信")
    assert f"{LABEL}（第二项严重失信）</strong>：第二项另有隐情。" in row
    assert row.count(LABEL) == 1


def test_the_statement_of_a_corrected_record_follows_its_published_version(client, disc) -> None:
    """A statement belongs to the record's lineage: the corrected version the list names
    now still carries it (as on the staff archive page and in credit reports)."""
    w = disc.world
    listing = _listed(_person(w, "周更正", 36), w.edu_clerk, title="更正前的标题")
    old = listing.basis.get().record
    _state(old, "对更正前记录的声明。")
    CreditRecord.objects.filter(pk=old.pk).update(state=CreditRecord.State.CORRECTED, is_current=False)
    make_record(old.archive, by=w.edu_clerk, title="更正后的标题", severity=CreditRecord.Severity.SERIOUS,
                lineage=old.lineage, version=2)
    row = _row(client.get(reverse("disclosure:dishonesty_list")).content.decode(), "更正后的标题")
    assert "对更正前记录的声明。" in row


def test_a_statement_on_an_honour_is_shown_with_it(client, disc) -> None:
    _state(disc.positive, "表彰的日期有误，应为去年。")
    page = client.get(reverse("disclosure:honour_list")).content.decode()
    assert f"{LABEL}</strong>：表彰的日期有误，应为去年。" in _row(page, "优秀教师")


@pytest.mark.parametrize("rows", [1, 50])
def test_statements_add_one_query_to_the_dishonesty_list_whatever_its_length(
    client, disc, rows, settings, django_assert_num_queries,
) -> None:
    settings.DISCLOSURE_PUBLIC_PAGE_SIZE = 50
    for i in range(rows):
        listing = _listed(_person(disc.world, f"声明{i}", 200 + i), disc.world.edu_clerk, title=f"严重{i}")
        _state(listing.basis.get().record, f"第{i}号声明。")
    # 1 page of listings (joined), 1 for their basis records (prefetched), 1 for the
    # personal statements of those records: the same for 1 row and for 50.
    with django_assert_num_queries(3):
        page = client.get(reverse("disclosure:dishonesty_list")).content.decode()
    assert page.count(LABEL) == rows


@pytest.mark.parametrize("rows", [1, 50])
def test_statements_add_no_query_to_the_honour_list(client, disc, rows, settings, django_assert_num_queries) -> None:
    settings.DISCLOSURE_PUBLIC_PAGE_SIZE = 50
    for i in range(rows):
        record = make_record(_person(disc.world, f"表彰{i}", 400 + i), by=disc.world.edu_clerk, title=f"表彰{i}号",
                             category=disc.rewards, polarity="positive", severity="")
        _state(record, f"第{i}号声明。")
    # 1 for the tiers the display rules publish, 1 page of records with their statements
    # (a subquery of the same statement): as without statements.
    with django_assert_num_queries(2):
        page = client.get(reverse("disclosure:honour_list")).content.decode()
    assert page.count(LABEL) == rows


def test_a_statement_added_after_the_page_was_cached_is_shown(
    client, disc, settings, django_capture_on_commit_callbacks,
) -> None:
    settings.FRAGMENT_CACHE_SECONDS = 300
    w = disc.world
    record = make_record(w.archive, by=w.edu_clerk, title="严重失信示例", severity=CreditRecord.Severity.SERIOUS)
    from tests.listing.factories import make_listing

    make_listing(record, by=w.edu_clerk)
    with django_capture_on_commit_callbacks(execute=True):
        objection = repair_services.file_objection(record, by=w.citizen, reasons="当日不在本市。")
    assert LABEL not in client.get(reverse("disclosure:dishonesty_list")).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        repair_services.add_personal_statement(objection, by=w.citizen, text="本人当日在外地出差。")
    assert "本人当日在外地出差。" in client.get(reverse("disclosure:dishonesty_list")).content.decode()
