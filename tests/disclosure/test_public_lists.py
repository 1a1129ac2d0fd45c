"""Public lists: masking, only effective entries, never minors' or repaired ones,
search by exact full name, page cap, rate limit, query counts (DESIGN §6)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from archives import services as archive_services
from archives.models import CreditRecord
from credit_portal.masking import mask_id_number, mask_name
from tests import factories as f
from tests.disclosure.conftest import make_record
from tests.listing.factories import make_listing

SERIOUS = {"severity": CreditRecord.Severity.SERIOUS}


def test_mask_name():
    assert mask_name("张三") == "张*"
    assert mask_name("张小三") == "张*三"
    assert mask_name("欧阳小明") == "欧**明"
    assert mask_name("张") == "*"
    assert mask_id_number("110105198506150012") == "1101**********0012"


def _person(world, name, seq, birth=date(1980, 1, 1)):
    subject, _ = archive_services.find_or_create_subject(
        name=name, id_number=f.make_id_number(birth=birth, seq=seq), by=world.edu_clerk
    )
    return archive_services.open_archive(
        subject=subject, occupation=world.teacher, department=world.education, employer="某校", by=world.edu_clerk
    )


def _listed(archive, by, **record_overrides):
    """A serious record and a published listing resting on it."""
    listing_overrides = record_overrides.pop("listing", {})
    record = make_record(archive, by=by, **{**SERIOUS, **record_overrides})
    return make_listing(record, by=by, **listing_overrides)


@pytest.mark.django_db
def test_dishonesty_list_masks_and_filters(client, disc):
    w = disc.world
    today = timezone.localdate()
    shown = _person(w, "王大明", 11)
    _listed(shown, w.edu_clerk, title="严重失信甲")
    _listed(_person(w, "李四", 12), w.edu_clerk, title="严重失信二字名")
    # The list is made of decided listings now: a serious record alone is not on it, nor a
    # listing still in its objection window, removed, or past its period.
    make_record(_person(w, "赵未列", 13), by=w.edu_clerk, title="未经列入程序", **SERIOUS)
    _listed(_person(w, "钱提议", 14), w.edu_clerk, title="告知期内", listing={"state": "proposed", "listed_from": None,
                                                                            "listed_until": None})
    _listed(_person(w, "孙移出", 15), w.edu_clerk, title="已移出名单", listing={"state": "removed"})
    _listed(_person(w, "周期满", 16), w.edu_clerk, title="名单期满",
            listing={"listed_until": today - timedelta(days=1), "listed_from": today - timedelta(days=400)})
    make_record(_person(w, "吴一般", 17), by=w.edu_clerk, title="一般失信记录")
    page = client.get(reverse("disclosure:dishonesty_list")).content.decode()
    assert "严重失信甲" in page
    assert "王*明" in page
    assert "王大明" not in page
    assert "严重失信二字名" in page
    assert "李*" in page
    assert "李四" not in page
    assert shown.subject.id_number_masked in page
    assert shown.subject.id_number not in page
    for hidden in ("未经列入程序", "告知期内", "已移出名单", "名单期满", "一般失信记录", "违规有偿补课"):
        assert hidden not in page


@pytest.mark.django_db
def test_honour_list_shows_positive_honours_only(client, disc):
    w = disc.world
    minor = _person(w, "郑少年", 21, birth=date(2010, 1, 1))
    make_record(minor, by=w.edu_clerk, title="少年表彰", category=disc.rewards, polarity="positive", severity="", subject_was_minor=True)
    page = client.get(reverse("disclosure:honour_list")).content.decode()
    assert "优秀教师" in page
    assert "测*甲" in page
    assert "少年表彰" not in page
    assert "违规有偿补课" not in page


@pytest.mark.django_db
def test_search_is_by_exact_full_name_and_posted(client, disc):
    w = disc.world
    _listed(_person(w, "王大明", 11), w.edu_clerk, title="严重失信甲")
    _listed(_person(w, "王小明", 12), w.edu_clerk, title="严重失信乙")
    found = client.post(reverse("disclosure:dishonesty_list"), {"name": "王大明"}).content.decode()
    assert "严重失信甲" in found
    assert "严重失信乙" not in found
    prefix = client.post(reverse("disclosure:dishonesty_list"), {"name": "王"}).content.decode()
    assert "严重失信甲" not in prefix
    assert "严重失信乙" not in prefix


@pytest.mark.django_db
def test_a_search_says_what_a_match_and_no_match_do_not_prove(client, disc):
    # As the person a record harms, twice over: a namesake on the list is not them, and a
    # name missing from the list is no clean bill of credit for anyone.
    _listed(_person(disc.world, "王大明", 11), disc.world.edu_clerk, title="严重失信甲")
    found = client.post(reverse("disclosure:dishonesty_list"), {"name": "王大明"}).content.decode()
    assert "严重失信甲" in found
    assert "同名的人不一定是同一人：请核对身份证号中显示的数字。" in found
    missing = client.post(reverse("disclosure:dishonesty_list"), {"name": "王小明"}).content.decode()
    assert "名单中没有该姓名的人员。" in missing
    assert "这只说明目前名单中没有该姓名的人员，不说明此人没有其他信用记录。查看个人信用报告须经本人授权。" in missing
    whole = client.get(reverse("disclosure:dishonesty_list")).content.decode()
    assert "同名的人不一定是同一人" not in whole
    # Missing from the honour list proves nothing against anyone: no such line there.
    honour = client.post(reverse("disclosure:honour_list"), {"name": "王小明"}).content.decode()
    assert "名单中没有该姓名的人员。" in honour
    assert "不说明此人没有其他信用记录" not in honour


@pytest.mark.django_db
def test_pages_are_capped(client, disc, settings):
    settings.DISCLOSURE_PUBLIC_PAGE_SIZE = 2
    settings.DISCLOSURE_PUBLIC_MAX_PAGES = 2
    w = disc.world
    for i in range(6):
        _listed(_person(w, f"人{i}号", 30 + i), w.edu_clerk, title=f"严重{i}")
    last = client.get(reverse("disclosure:dishonesty_list") + "?page=99").content.decode()
    assert last.count("<tr class=\"govuk-table__row\">") - 1 == 2  # page 2 of 2: the cap, not page 3
    assert "?page=3" not in last


@pytest.mark.django_db
def test_public_lists_are_rate_limited(client, disc, settings):
    settings.DISCLOSURE_PUBLIC_PER_IP_MINUTE = 3
    for _ in range(3):
        assert client.get(reverse("disclosure:honour_list")).status_code == 200
    assert client.get(reverse("disclosure:honour_list")).status_code == 429


def _many_serious(world, n):
    for i in range(n):
        _listed(_person(world, f"批量{i}", 100 + i), world.edu_clerk, title=f"严重{i}")


@pytest.mark.django_db
@pytest.mark.parametrize("rows", [1, 50])
def test_dishonesty_list_query_count_does_not_grow(client, disc, rows, settings, django_assert_num_queries):
    settings.DISCLOSURE_PUBLIC_PAGE_SIZE = 50
    _many_serious(disc.world, rows)
    # 1 page of published listings with subject, department, archive and occupation joined
    # (one row more than a page says whether there is a next one: no COUNT), 1 for their
    # basis records (prefetched), 1 for the personal statements of those basis records
    # (本人声明 shown with the entry, DESIGN §7: one for the page, whatever its length).
    with django_assert_num_queries(3):
        response = client.get(reverse("disclosure:dishonesty_list"))
    assert response.content.decode().count("严重") >= rows


@pytest.mark.django_db
@pytest.mark.parametrize("rows", [1, 50])
def test_honour_list_query_count_does_not_grow(client, disc, rows, settings, django_assert_num_queries):
    settings.DISCLOSURE_PUBLIC_PAGE_SIZE = 50
    for i in range(rows):
        make_record(_person(disc.world, f"表彰{i}", 300 + i), by=disc.world.edu_clerk, title=f"表彰{i}号",
                    category=disc.rewards, polarity="positive", severity="")
    with django_assert_num_queries(2):
        response = client.get(reverse("disclosure:honour_list"))
    assert response.content.decode().count("表彰") >= rows


@pytest.mark.django_db
def test_next_page_without_a_count(client, disc, settings):
    settings.DISCLOSURE_PUBLIC_PAGE_SIZE = 2
    settings.DISCLOSURE_PUBLIC_MAX_PAGES = 5
    _many_serious(disc.world, 3)
    first = client.get(reverse("disclosure:dishonesty_list")).content.decode()
    assert "?page=2" in first
    assert "第1至2条" in first
    second = client.get(reverse("disclosure:dishonesty_list") + "?page=2").content.decode()
    assert "?page=3" not in second
    assert "?page=1" in second
    assert "第3至3条" in second
    assert client.get(reverse("disclosure:dishonesty_list") + "?page=abc").status_code == 200
    assert client.get(reverse("disclosure:dishonesty_list") + "?page=-4").status_code == 200


@pytest.mark.django_db
def test_an_unsearched_page_is_served_from_the_cache_until_a_listing_changes(
    client, disc, settings, django_assert_num_queries, django_capture_on_commit_callbacks
):
    from archives.listing import services as listing_services

    settings.FRAGMENT_CACHE_SECONDS = 300
    w = disc.world
    kept = _listed(_person(w, "王大明", 11), w.edu_clerk, title="严重失信甲")
    removed = _listed(_person(w, "李小四", 12), w.edu_clerk, title="严重失信乙")
    assert "严重失信乙" in client.get(reverse("disclosure:dishonesty_list")).content.decode()
    # The same page again: the table is the cached fragment, nothing is read.
    with django_assert_num_queries(0):
        page = client.get(reverse("disclosure:dishonesty_list")).content.decode()
    assert "严重失信甲" in page
    assert "严重失信乙" in page
    # A listing removed: its transaction's commit advances the generation, so the next
    # request renders the list afresh instead of serving the cached one.
    with django_capture_on_commit_callbacks(execute=True):
        listing_services.remove_listing(removed, by=w.credit_office, reason="行政复议撤销。")
    page = client.get(reverse("disclosure:dishonesty_list")).content.decode()
    assert "严重失信甲" in page
    assert "严重失信乙" not in page
    assert kept.pk


@pytest.mark.django_db
def test_the_honour_list_cache_follows_record_events(client, disc, settings, django_capture_on_commit_callbacks):
    settings.FRAGMENT_CACHE_SECONDS = 300
    assert "新表彰" not in client.get(reverse("disclosure:honour_list")).content.decode()
    # Published through the record services: the event advances the records' generation.
    w = disc.world
    today = timezone.localdate()
    record = archive_services.draft_record(
        _person(w, "表彰新", 41), by=w.edu_clerk, category=disc.rewards, polarity="positive", severity="",
        title="新表彰", description="年度优秀教师。", decision_number="示教奖〔2026〕1号", deciding_body="示范市教育局",
        occurred_on=today - timedelta(days=12), decided_on=today - timedelta(days=10),
    )
    archive_services.submit_record(record, by=w.edu_clerk)
    with django_capture_on_commit_callbacks(execute=True):
        archive_services.publish_record(record, by=w.edu_reviewer)
    assert "新表彰" in client.get(reverse("disclosure:honour_list")).content.decode()


@pytest.mark.django_db
def test_a_search_is_never_answered_from_the_cached_page(client, disc, settings, django_assert_num_queries):
    settings.FRAGMENT_CACHE_SECONDS = 300
    w = disc.world
    _listed(_person(w, "王大明", 11), w.edu_clerk, title="严重失信甲")
    _listed(_person(w, "王小明", 12), w.edu_clerk, title="严重失信乙")
    client.get(reverse("disclosure:dishonesty_list"))
    # The search reads the list itself (one page, its basis records, their personal
    # statements): no name is put into a cache key, and the cached whole-list page is not
    # what it shows.
    with django_assert_num_queries(3):
        found = client.post(reverse("disclosure:dishonesty_list"), {"name": "王大明"}).content.decode()
    assert "严重失信甲" in found
    assert "严重失信乙" not in found


@pytest.mark.django_db
def test_the_compiled_list_page_is_what_the_queryset_gives(disc, django_assert_num_queries):
    """The public list's page read from SQL compiled once per shape (credit_portal.compiled)
    gives the queryset's listings, joined rows and prefetched basis, for every shape: whole
    list or searched name, each page, another day; a searched name with no listing reads
    one statement (no prefetch)."""
    from archives.listing.selectors import public_listing_page, public_listings

    w = disc.world
    today = timezone.localdate()
    for i, name in enumerate(["王大明", "王大明", "李小四", "赵五"]):
        _listed(_person(w, name, 40 + i), w.edu_clerk, title=f"严重{i}")

    def seen(listings):
        return [(x.pk, x.subject.name, x.subject.id_number_masked, x.department.display_name,
                 x.archive.occupation.name, [b.record.title for b in x.basis.all()]) for x in listings]

    for name in ("", "王大明", " 李小四 ", "无此人"):
        for day in (today, today + timedelta(days=4000)):
            for start, stop in ((0, 3), (2, 5), (0, 51)):
                want = seen(public_listings(name=name, today=day)[start:stop])
                with django_assert_num_queries(2 if want else 1):
                    got = seen(public_listing_page(name=name, today=day, start=start, stop=stop))
                assert got == want
    assert len(seen(public_listing_page(name="王大明", today=today, start=0, stop=51))) == 2


@pytest.mark.django_db
def test_a_search_without_a_match_reads_one_statement(client, disc, django_assert_num_queries):
    _listed(_person(disc.world, "王大明", 11), disc.world.edu_clerk, title="严重失信甲")
    with django_assert_num_queries(1):
        page = client.post(reverse("disclosure:dishonesty_list"), {"name": "王小明"}).content.decode()
    assert "严重失信甲" not in page


@pytest.mark.django_db
def test_an_honour_under_objection_is_flagged_on_the_honour_list(client, disc, django_capture_on_commit_callbacks):
    """A disputed record is flagged at once wherever it is shown (DESIGN §7), an honour
    too (the person may dispute its details); the cached list page is renewed."""
    w = disc.world
    page = client.get(reverse("disclosure:honour_list")).content.decode()
    row = page[page.index("优秀教师") - 300:page.index("优秀教师")]
    assert "异议处理中" not in row
    with django_capture_on_commit_callbacks(execute=True):
        archive_services.set_objection_flag(disc.positive, flagged=True, by=w.credit_office)
    page = client.get(reverse("disclosure:honour_list")).content.decode()
    row = page[page.index("优秀教师") - 300:page.index("优秀教师")]
    assert "异议处理中" in row
