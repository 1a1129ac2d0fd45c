"""The listing pages: every page tried by the viewers who must be refused (clerk of
another department, the proposer deciding, a citizen seeing another's listing), bad
input on the pages (clear message, nothing written), and the same query count for one
row as for fifty on the two list pages."""

from __future__ import annotations

import re
from datetime import date

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from archives import services as archive_services
from archives.listing.models import CaseMeasure, Listing, ObjectionFile
from archives.listing.services import open_case
from departments.models import Membership
from disclosure.services.registration import link_citizen
from tests import factories as f
from tests.archives.conftest import PDF
from tests.listing.conftest import propose, serious
from tests.listing.factories import make_listing

pytestmark = pytest.mark.django_db


def _at(day: date) -> time_machine.travel:
    return time_machine.travel(day.isoformat() + " 10:00 +08:00", tick=False)


def _client(user: object) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def linked(world) -> object:
    link_citizen(world.citizen, world.subject, by=world.credit_office)
    return world.citizen


# --- proposing ---------------------------------------------------------------------------------


def test_propose_page_for_the_clerk_only(world, record) -> None:
    url = reverse("listing:propose", args=[world.archive.pk])
    assert _client(world.edu_clerk).get(url).status_code == 200
    assert _client(world.health_clerk).get(url).status_code == 404  # another department's archive
    assert _client(world.edu_reviewer).get(url).status_code == 403  # reviewers decide, clerks propose
    assert _client(world.citizen).get(url).status_code == 403
    assert _client(world.health_clerk).post(url, {"records": [record.pk], "category": "market_order",
                                                  "facts": "x", "legal_basis": "y"}).status_code == 404
    assert not Listing.objects.exists()


def test_archive_page_offers_the_proposal_to_the_clerk_only(world, record) -> None:
    archive_url = reverse("archives:archive", args=[world.archive.pk])
    propose_url = reverse("listing:propose", args=[world.archive.pk])
    assert propose_url in _client(world.edu_clerk).get(archive_url).content.decode()
    assert propose_url not in _client(world.edu_reviewer).get(archive_url).content.decode()


def test_proposal_without_basis_shows_a_clear_error_and_writes_nothing(world, record) -> None:
    response = _client(world.edu_clerk).post(reverse("listing:propose", args=[world.archive.pk]), {
        "category": "market_order", "facts": "伪造学历证明。", "legal_basis": "《教师资格条例》第十九条",
    })
    page = response.content.decode()
    assert response.status_code == 200
    assert "<title>错误：" in page
    assert "请至少选择一条有效的严重失信记录作为列入依据。" in page
    assert 'href="#id_records' in page  # the error summary links to the field
    assert "伪造学历证明。" in page  # what was typed is kept
    assert not Listing.objects.exists()


def test_proposal_through_the_page(world, record) -> None:
    response = _client(world.edu_clerk).post(reverse("listing:propose", args=[world.archive.pk]), {
        "records": [record.pk], "category": "market_order", "facts": "伪造学历证明。",
        "legal_basis": "《教师资格条例》第十九条",
    })
    listing = Listing.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("listing:listing", args=[listing.pk])


# --- the listing page and its actions ------------------------------------------------------------


def test_listing_page_scope(world, record) -> None:
    listing = propose(world, [record])
    url = reverse("listing:listing", args=[listing.pk])
    assert _client(world.edu_reviewer).get(url).status_code == 200
    assert _client(world.credit_office).get(url).status_code == 200
    assert _client(world.health_clerk).get(url).status_code == 404
    assert _client(world.citizen).get(url).status_code == 403


def test_the_proposer_deciding_is_refused_on_the_page(world, record) -> None:
    both = f.member(world.education, Membership.Role.CLERK, "edu_both")
    Membership.objects.create(user=both, department=world.education, role=Membership.Role.REVIEWER)
    with _at(date(2026, 9, 30)):
        listing = propose(world, [record], by=both)
    with _at(date(2026, 10, 14)):
        page = _client(both).get(reverse("listing:listing", args=[listing.pk])).content.decode()
        assert reverse("listing:decide", args=[listing.pk]) not in page
        assert "须由本部门其他审核员决定" in page
        response = _client(both).post(reverse("listing:decide", args=[listing.pk]),
                                      {"decision": "publish", "reason": "同意。"})
        assert response.status_code == 403
        assert Listing.objects.get(pk=listing.pk).state == Listing.State.PROPOSED
        assert _client(world.health_reviewer).post(reverse("listing:decide", args=[listing.pk]),
                                                   {"decision": "publish", "reason": "同意。"}).status_code == 404
        ok = _client(world.edu_reviewer).post(reverse("listing:decide", args=[listing.pk]),
                                              {"decision": "publish", "reason": "同意。"})
    assert ok.status_code == 302
    assert Listing.objects.get(pk=listing.pk).state == Listing.State.PUBLISHED


def test_decision_inside_the_window_is_refused(world, record) -> None:
    with _at(date(2026, 9, 30)):
        listing = propose(world, [record])
        response = _client(world.edu_reviewer).post(reverse("listing:decide", args=[listing.pk]),
                                                    {"decision": "publish", "reason": "同意。"})
    assert response.status_code == 403
    assert Listing.objects.get(pk=listing.pk).state == Listing.State.PROPOSED


def test_removal_by_the_credit_office_only(world, record) -> None:
    listing = make_listing(record, by=world.edu_clerk)
    url = reverse("listing:remove", args=[listing.pk])
    assert _client(world.edu_reviewer).post(url, {"reason": "撤销。"}).status_code == 403
    blank = _client(world.credit_office).post(url, {"reason": ""})
    assert "请填写移出名单的理由。" in blank.content.decode()
    assert Listing.objects.get(pk=listing.pk).state == Listing.State.PUBLISHED
    assert _client(world.credit_office).post(url, {"reason": "原处罚决定被撤销。"}).status_code == 302
    assert Listing.objects.get(pk=listing.pk).state == Listing.State.REMOVED


# --- the person's side --------------------------------------------------------------------------


def test_the_person_reads_the_notice_and_objects_with_a_file(world, record, linked) -> None:
    listing = propose(world, [record])
    client = _client(linked)
    url = reverse("disclosure:my_listing", args=[listing.pk])
    page = client.get(url).content.decode()
    assert "伪造学历证明骗取教师资格。" in page
    assert "《教师资格条例》第十九条" in page
    assert listing.objection_due.strftime("%Y-%m-%d") in page
    assert url in client.get(reverse("disclosure:my_listings")).content.decode()
    empty = client.post(url, {"text": ""})
    assert "请填写您的陈述申辩。" in empty.content.decode()
    response = client.post(url, {"text": "证明系学校出具。", "files": [SimpleUploadedFile("proof.pdf", PDF)]})
    assert response.status_code == 302
    listing.refresh_from_db()
    assert listing.objection == "证明系学校出具。"
    assert ObjectionFile.objects.filter(listing=listing).count() == 1
    # The decider sees it.
    staff_page = _client(world.edu_reviewer).get(reverse("listing:listing", args=[listing.pk])).content.decode()
    assert "证明系学校出具。" in staff_page
    item = ObjectionFile.objects.get(listing=listing)
    file_url = reverse("listing:objection_file", args=[listing.pk, item.pk])
    assert file_url in staff_page
    download = _client(world.edu_reviewer).get(file_url)
    assert download.status_code == 200
    assert download["X-Content-Type-Options"] == "nosniff"
    assert b"".join(download.streaming_content) == PDF
    assert _client(world.health_clerk).get(file_url).status_code == 404


def test_after_a_correction_the_notice_names_the_record_as_the_public_list_does(world, record, linked) -> None:
    """A correction that keeps the record serious keeps the listing: the person's notice
    names the corrected title and decision number, as the public list does, not the
    version named at the proposal; and flags the record while it is under objection."""
    listing = propose(world, [record])
    old_number = record.decision_number
    corrected = archive_services.correct_record(record, by=world.credit_office, reason="更正文号。",
                                                decision_number="示教罚〔2026〕31号", title="伪造学历证明（更正）")
    archive_services.set_objection_flag(corrected, flagged=True, by=world.credit_office)
    page = _client(linked).get(reverse("disclosure:my_listing", args=[listing.pk])).content.decode()
    basis = page[page.index("伪造学历证明（更正）"):]
    basis = basis[: basis.index("</ul>")]
    assert "示教罚〔2026〕31号" in basis
    assert old_number not in basis
    assert "异议处理中" in basis


def test_the_person_is_told_until_when_correcting_the_conduct_ends_the_punishment(world, record, linked) -> None:
    """003 item 10: "对在规定期限内纠正失信行为的,不再作为联合惩戒对象": the time limit is
    the person's to know, in the decision notice and on their notice page."""
    from archives.listing.models import PunishmentCase
    from archives.listing.services import mark_corrected
    from archives.models import Notice
    from tests.listing.conftest import publish

    with _at(date(2026, 9, 30)):
        listing = propose(world, [record])
    with _at(date(2026, 10, 14)):
        publish(world, listing)
    case = PunishmentCase.objects.get(listing=listing)
    due = case.correction_due.isoformat()
    notice = Notice.objects.filter(subject=world.subject, title="You have been listed as seriously dishonest").get()
    assert due in notice.body
    client = _client(linked)
    url = reverse("disclosure:my_listing", args=[listing.pk])
    page = client.get(url).content.decode()
    assert "纠正失信行为的期限" in page
    assert f"至{due}" in page
    with _at(case.correction_due):
        mark_corrected(case, by=world.credit_office, outcome="已按要求补正并公开致歉。")
    assert "已在期限内纠正" in client.get(url).content.decode()


def test_a_citizen_cannot_see_anothers_listing(world, record, linked) -> None:
    listing = propose(world, [record])
    stranger = f.make_user("stranger", roles=("citizen",))
    other, _ = archive_services.find_or_create_subject(
        name="测试丙", id_number=f.make_id_number(seq=9), by=world.edu_clerk
    )
    link_citizen(stranger, other, by=world.credit_office)
    url = reverse("disclosure:my_listing", args=[listing.pk])
    assert _client(stranger).get(url).status_code == 404
    assert _client(stranger).post(url, {"text": "冒充。"}).status_code == 404
    assert _client(world.edu_clerk).get(url).status_code == 403
    assert Listing.objects.get(pk=listing.pk).objected_at is None


# --- joint punishment pages ----------------------------------------------------------------------


def test_case_pages_scope_and_feedback(world, record) -> None:
    listing = make_listing(record, by=world.edu_clerk)
    case = open_case(listing)
    item = case.measures.select_related("department").first()
    staff = f.member(item.department, Membership.Role.CLERK, "measure_clerk")
    url = reverse("listing:case", args=[case.pk])
    assert _client(world.credit_office).get(url).status_code == 200
    assert _client(staff).get(url).status_code == 200
    assert _client(world.audit_clerk).get(url).status_code == 404  # no measure of theirs
    assert _client(world.citizen).get(reverse("listing:cases")).status_code == 403
    feedback_url = reverse("listing:case_feedback", args=[case.pk, item.pk])
    assert _client(world.credit_office).post(feedback_url, {f"m{item.pk}-applied": "yes",
                                                            f"m{item.pk}-feedback": "x"}).status_code == 403
    bad = _client(staff).post(feedback_url, {f"m{item.pk}-applied": "yes", f"m{item.pk}-feedback": ""})
    assert "请填写本部门的实施和反馈情况。" in bad.content.decode()
    ok = _client(staff).post(feedback_url, {f"m{item.pk}-applied": "yes", f"m{item.pk}-feedback": "已限制。"})
    assert ok.status_code == 302
    assert CaseMeasure.objects.get(pk=item.pk).state == CaseMeasure.State.APPLIED


# --- query counts ------------------------------------------------------------------------------


def _people(world, n: int) -> list:
    listings = []
    for i in range(n):
        subject, _ = archive_services.find_or_create_subject(
            name=f"名单{i}", id_number=f.make_id_number(birth=date(1970 + i % 30, 1, 1), seq=i % 50), by=world.edu_clerk
        )
        archive = archive_services.open_archive(subject=subject, occupation=world.teacher,
                                                department=world.education, employer="示范中学", by=world.edu_clerk)
        world_archive = world.archive
        world.archive = archive
        record = serious(world, title=f"严重{i}")
        world.archive = world_archive
        listings.append(make_listing(record, by=world.edu_clerk))
    return listings


# Every signed-in staff page pays 7: session, user, memberships, role groups, and the session
# save of the first request (savepoint, update, release); the staff navigation 2 (reviewer and
# clerk memberships).
# The user's memberships and role groups: one query for every role, none once kept in
# the session (departments.scope).
LISTINGS_PAGE = 9
CASES_PAGE = 9


@pytest.mark.parametrize("n", [1, 50])
def test_listings_page_query_count(world, n, django_assert_num_queries) -> None:
    _people(world, n)
    client = _client(world.edu_reviewer)
    # + the COUNT of the paginator and one page of listings with person, department,
    # archive and occupation joined (the department scope is the memberships read above).
    with django_assert_num_queries(LISTINGS_PAGE):
        page = client.get(reverse("listing:listings")).content.decode()
    assert page.count('href="/staff/listings/') >= min(n, 25)


@pytest.mark.parametrize("n", [1, 50])
def test_cases_page_query_count(world, n, django_assert_num_queries) -> None:
    for listing in _people(world, n):
        open_case(listing)
    client = _client(world.credit_office)
    # + the COUNT of the paginator and one page of cases with listing, person and department
    # joined and their pending and overdue counts (the role check is the groups read above).
    with django_assert_num_queries(CASES_PAGE):
        page = client.get(reverse("listing:cases")).content.decode()
    assert page.count('href="/staff/listings/cases/') >= min(n, 25)


@pytest.mark.parametrize("n", [1, 50])
def test_my_listings_page_query_count(world, record, linked, n, django_assert_num_queries) -> None:
    for i in range(n):  # decided ones: one open procedure per person and department
        make_listing(record, by=world.edu_clerk, reference=f"SXT{i:08d}", state=Listing.State.NOT_LISTED,
                     listed_from=None, listed_until=None)
    client = _client(linked)
    client.get(reverse("disclosure:my_listings"))  # the first request saves the session
    # 1 session, 2 user, 3 the citizen's subject (their profile), 4 role groups (the
    # menu), 5 the listings with department and occupation joined.
    # (The user's memberships and role groups: one query for every role on the first request
    # after signing in, none later: kept in the session, departments.scope.)
    with django_assert_num_queries(4):
        page = client.get(reverse("disclosure:my_listings")).content.decode()
    assert len(re.findall(r'href="/my/listings/\d+/"', page)) == n
