"""The unit pages: the link shown both ways, the forbidden paths (403/404, nothing
changed), bad input in Chinese, and the list's query count constant in its size."""

from __future__ import annotations

import re

import pytest
from dateutil.relativedelta import relativedelta
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation
from stdnum.cn import uscc

from archives.models import CreditRecord
from archives.units import services
from archives.units.models import Unit, UnitDishonesty, UnitPerson
from tests.units.conftest import UNIT_CODE, pdf, propose

pytestmark = pytest.mark.django_db


def _client(user: object) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _state(item: UnitDishonesty) -> str:
    (state,) = {
        r.state
        for r in CreditRecord.objects.filter(lineage__in=item.records.values("lineage"), is_current=True)
    }
    return state


def _zh(client: Client, method: str, url: str, data: dict | None = None):
    with translation.override("zh-hans"):
        return getattr(client, method)(url, data or {}, HTTP_ACCEPT_LANGUAGE="zh-hans")


def test_the_unit_page_shows_the_masked_representative_and_links_to_the_archive(world_units, unit) -> None:
    item = propose(unit, world_units.edu_clerk)
    services.approve_dishonesty(item, by=world_units.edu_reviewer)
    page = _client(world_units.edu_reviewer2).get(reverse("units:unit", args=[unit.pk])).content.decode()
    assert "测*甲" in page
    assert "测试甲" not in page
    assert reverse("archives:archive", args=[world_units.archive.pk]) in page
    assert reverse("archives:record", args=[item.records.get().record_id]) in page


def test_the_archive_and_record_pages_link_back_to_the_unit(world_units, unit) -> None:
    item = propose(unit, world_units.edu_clerk)
    client = _client(world_units.edu_reviewer)
    unit_url = reverse("units:unit", args=[unit.pk])
    assert unit_url in client.get(reverse("archives:archive", args=[world_units.archive.pk])).content.decode()
    record_page = client.get(reverse("archives:record", args=[item.records.get().record_id])).content.decode()
    assert unit_url in record_page
    assert "因此人担任法定代表人的单位" in record_page


def test_the_archive_page_reads_unit_roles_only_for_people_who_hold_one(
    world_units, django_assert_num_queries
) -> None:
    """The archive row says whether the person holds any unit role; a role given after the
    page was last shown appears on the next request (the flag is read with the row, never
    cached)."""
    client = _client(world_units.edu_reviewer)
    archive_url = reverse("archives:archive", args=[world_units.archive.pk])
    client.get(archive_url)
    # Session, user, scope, archive with its level, audit (the reviewer works in the owning
    # department: no acting departments read, archives.permissions.roles_on).
    with django_assert_num_queries(5):
        assert not re.search(r"/staff/units/\d+/", client.get(archive_url).content.decode())
    unit = services.register_unit(
        by=world_units.edu_clerk, department=world_units.education, credit_code=UNIT_CODE,
        name="示范市明德培训学校有限公司", representative_id_number=world_units.subject.id_number,
    )
    with django_assert_num_queries(6):  # and the roles in the viewer's scope
        assert reverse("units:unit", args=[unit.pk]) in client.get(archive_url).content.decode()


def test_the_clerk_records_and_another_reviewer_approves_through_the_pages(world_units, unit) -> None:
    clerk = _client(world_units.edu_clerk)
    response = clerk.post(
        reverse("units:propose", args=[unit.pk]),
        {
            "title": "被列入严重违法失信名单",
            "occurred_on_year": "2026",
            "occurred_on_month": "2",
            "occurred_on_day": "1",
            "decided_on_year": "2026",
            "decided_on_month": "3",
            "decided_on_day": "1",
            "people": [str(p.pk) for p in unit.people.all()],
            "file": pdf(),
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    item = UnitDishonesty.objects.get()
    response = _client(world_units.edu_reviewer).post(reverse("units:decide", args=[item.pk]), {"decision": "approve"})
    assert response.status_code == 302
    assert _state(item) == CreditRecord.State.PUBLISHED


def test_approving_a_dishonesty_whose_display_period_is_over_says_so_once(world_units, unit) -> None:
    """Decided four years ago (serious: three years of display, five of retention): the
    records end at once when approved, and the reviewer is told so once, after "approved",
    rather than that they are published for others to see."""
    decided = timezone.localdate() - relativedelta(years=4)
    item = propose(unit, world_units.edu_clerk, decided_on=decided, occurred_on=decided - relativedelta(days=20))
    with translation.override("zh-hans"):
        response = _client(world_units.edu_reviewer).post(
            reverse("units:decide", args=[item.pk]), {"decision": "approve"}, follow=True,
            HTTP_ACCEPT_LANGUAGE="zh-hans",
        )
    assert _state(item) == CreditRecord.State.EXPIRED
    page = response.content.decode()
    ends = CreditRecord.objects.filter(lineage__in=item.records.values("lineage"), is_current=True)
    (day,) = {r.display_until for r in ends}
    said = f"已于 {day.isoformat()} 届满，因此公示随即结束"
    assert page.count(said) == 1
    assert page.index("已批准") < page.index(said)


def test_the_proposer_deciding_gets_a_chinese_message_and_nothing_changes(
    world_units, unit, clerk_and_reviewer
) -> None:
    item = propose(unit, clerk_and_reviewer)
    response = _zh(
        _client(clerk_and_reviewer), "post", reverse("units:decide", args=[item.pk]), {"decision": "approve"}
    )
    assert response.status_code == 400
    assert "须由本部门另一名审核员审核" in response.content.decode()
    assert _state(item) == CreditRecord.State.SUBMITTED


def test_forbidden_paths(world_units, unit) -> None:
    item = propose(unit, world_units.edu_clerk)
    citizen = _client(world_units.citizen)
    assert citizen.get(reverse("units:units")).status_code == 403
    assert citizen.post(reverse("units:decide", args=[item.pk]), {"decision": "approve"}).status_code == 403
    other = _client(world_units.health_clerk)
    assert other.get(reverse("units:unit", args=[unit.pk])).status_code == 404
    assert other.get(reverse("units:propose", args=[unit.pk])).status_code == 404
    assert (
        _client(world_units.health_reviewer)
        .post(reverse("units:decide", args=[item.pk]), {"decision": "approve"})
        .status_code
        == 404
    )
    # A clerk of the department may not decide; a reviewer may not record.
    assert (
        _client(world_units.edu_clerk)
        .post(reverse("units:decide", args=[item.pk]), {"decision": "approve"})
        .status_code
        == 403
    )
    assert _client(world_units.edu_reviewer).get(reverse("units:propose", args=[unit.pk])).status_code == 403
    assert _state(item) == CreditRecord.State.SUBMITTED


def test_an_invalid_credit_code_is_refused_in_chinese(world_units) -> None:
    response = _zh(
        _client(world_units.edu_clerk),
        "post",
        reverse("units:register"),
        {
            "department": world_units.education.pk,
            "credit_code": "91110105MA01CX7K3X",
            "name": "某公司",
            "representative": world_units.subject.id_number,
        },
    )
    assert response.status_code == 200
    assert "统一社会信用代码" in response.content.decode()
    assert not Unit.objects.exists()


def test_a_representative_without_archive_is_refused_in_chinese(world_units) -> None:
    from datetime import date

    from archives import services as archive_services
    from tests import factories as f

    person, _ = archive_services.find_or_create_subject(
        name="测试乙", id_number=f.make_id_number(birth=date(1975, 1, 1), seq=78), by=world_units.edu_clerk
    )
    response = _zh(
        _client(world_units.edu_clerk),
        "post",
        reverse("units:register"),
        {
            "department": world_units.education.pk,
            "credit_code": UNIT_CODE,
            "name": "某公司",
            "representative": person.id_number,
        },
    )
    assert "没有包含" in response.content.decode()
    assert not Unit.objects.exists()


# Every signed-in staff page pays 7 (session, user, memberships, role groups, the session
# save) and the staff navigation 2; then the role check of the unit scope, the COUNT of
# the paginator, one page of units with department joined and their dishonesty counted,
# and their current responsible persons with their subject (one prefetch).
# Memberships and role groups: one query for every role, none once in the session.
UNITS_PAGE = 10


@pytest.mark.parametrize("n", [1, 50])
def test_units_page_query_count(world_units, n, django_assert_num_queries) -> None:
    w = world_units
    for i in range(n):
        body = f"91110105MA01C{i:04d}"
        unit = Unit.objects.create(
            credit_code=body + uscc.calc_check_digit(body),
            name=f"单位{i:02d}",
            department=w.education,
            created_by=w.edu_clerk,
        )
        for role in UnitPerson.Role:
            UnitPerson.objects.create(
                unit=unit, role=role, subject=w.subject, archive=w.archive, added_by=w.edu_clerk, added_at=timezone.now()
            )
    client = _client(w.edu_reviewer)
    with django_assert_num_queries(UNITS_PAGE):
        page = client.get(reverse("units:units")).content.decode()
    assert page.count('href="/staff/units/') >= min(n, 25)


def test_no_unit_form_answers_5xx_to_hostile_values(world_units, unit, clerk_and_reviewer) -> None:
    """The hostile values of tests/test_hostile_forms.py in every field of every unit form:
    form errors or a refusal, never a 5xx, and nothing written."""
    from tests.test_hostile_forms import HOSTILE

    item = propose(unit, world_units.edu_clerk)
    forms_ = {
        reverse("units:register"): ("department", "credit_code", "name", "representative"),
        reverse("units:propose", args=[unit.pk]): (
            "title",
            "description",
            "decision_number",
            "deciding_body",
            "occurred_on_year",
            "occurred_on_month",
            "occurred_on_day",
            "decided_on_year",
            "decided_on_month",
            "decided_on_day",
            "is_penalty",
            "people",
        ),
        reverse("units:people", args=[unit.pk]): ("role", "id_number"),
        reverse("units:decide", args=[item.pk]): ("decision", "reason"),
        reverse("units:withdraw", args=[item.pk]): ("reason",),
    }
    clients = [_client(world_units.edu_clerk), _client(world_units.edu_reviewer), _client(clerk_and_reviewer)]
    for client in clients:
        client.raise_request_exception = False
        for url, fields in forms_.items():
            for value in HOSTILE.values():
                response = client.post(url, {name: value for name in fields})
                assert response.status_code < 500, (url, response.status_code)
    assert Unit.objects.count() == 1
    assert UnitPerson.objects.count() == 1
    assert UnitDishonesty.objects.count() == 1
    assert _state(item) == CreditRecord.State.SUBMITTED


# --- the responsible persons' pages ---------------------------------------------------


def test_the_unit_and_archive_pages_show_each_person_and_role(world_units, staffed_unit) -> None:
    unit, representative, principal, responsible = staffed_unit
    client = _client(world_units.edu_reviewer)
    with translation.override("zh-hans"):
        page = client.get(reverse("units:unit", args=[unit.pk]), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
        for person in (representative, principal, responsible):
            assert reverse("archives:archive", args=[person.archive_id]) in page
        assert "主要负责人" in page
        assert "其他负有直接责任人员" in page
        archive_page = client.get(
            reverse("archives:archive", args=[principal.archive_id]), HTTP_ACCEPT_LANGUAGE="zh-hans"
        ).content.decode()
    assert reverse("units:unit", args=[unit.pk]) in archive_page
    assert "担任单位责任人员" in archive_page
    assert "主要负责人" in archive_page


def test_the_proposal_form_names_the_representative_and_principal_by_default(world_units, staffed_unit) -> None:
    unit, representative, principal, responsible = staffed_unit
    page = _client(world_units.edu_clerk).get(reverse("units:propose", args=[unit.pk])).content.decode()
    for person, checked in ((representative, True), (principal, True), (responsible, False)):
        tag = page.split(f'name="people" type="checkbox" value="{person.pk}"', 1)[1].split(">", 1)[0]
        assert ("checked" in tag) is checked, person.role


def test_the_people_page_changes_a_person_and_refuses_a_duplicate_in_chinese(world_units, unit) -> None:
    from tests.units.conftest import adult_with_archive

    w = world_units
    principal = adult_with_archive(w, "测试乙", 41)
    client = _client(w.edu_clerk)
    url = reverse("units:people", args=[unit.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, {"role": UnitPerson.Role.PRINCIPAL, "id_number": principal.subject.id_number})
    assert response.status_code == 302
    response = _zh(client, "post", url, {"role": UnitPerson.Role.PRINCIPAL, "id_number": principal.subject.id_number})
    assert response.status_code == 400
    assert "此人已是该单位的主要负责人" in response.content.decode()
    response = _zh(client, "post", url, {"role": UnitPerson.Role.LEGAL_REPRESENTATIVE, "id_number": "110105"})
    assert response.status_code == 400
    assert UnitPerson.objects.filter(unit=unit, ended_at__isnull=True).count() == 2
    link = UnitPerson.objects.get(unit=unit, role=UnitPerson.Role.PRINCIPAL)
    assert client.post(reverse("units:end_person", args=[link.pk])).status_code == 302
    link.refresh_from_db()
    assert link.ended_at is not None


def test_the_people_page_is_refused_outside_the_keeping_departments_clerks(world_units, unit) -> None:
    w = world_units
    url = reverse("units:people", args=[unit.pk])
    link = UnitPerson.objects.get(unit=unit)
    assert _client(w.health_clerk).get(url).status_code == 404
    assert _client(w.health_clerk).post(reverse("units:end_person", args=[link.pk])).status_code == 404
    assert _client(w.edu_reviewer).get(url).status_code == 403
    assert _client(w.citizen).get(url).status_code == 403
    assert _client(w.edu_reviewer).post(url, {"role": "principal", "id_number": w.subject.id_number}).status_code == 403
    # The legal representative is replaced, never only removed.
    response = _zh(_client(w.edu_clerk), "post", reverse("units:end_person", args=[link.pk]))
    assert response.status_code == 302
    assert UnitPerson.objects.get(pk=link.pk).ended_at is None
    assert UnitPerson.objects.count() == 1


# The people page: 7 for every signed-in staff page (session, user, memberships, role
# groups, the session save), the unit (scoped, department joined), the clerk memberships
# (the page's permission; cached for each row's button), all the unit's persons with
# subject, archive and occupation joined, the archive scope (the occupations the
# departments act for, then which of the persons' archives are visible: one query for
# all), and the reviewer memberships of the staff navigation = 13.
# Memberships and role groups: one query for every role, none once in the session.
PEOPLE_PAGE = 11


@pytest.mark.parametrize("n", [1, 30])
def test_people_page_query_count(world_units, unit, n, django_assert_num_queries) -> None:
    w = world_units
    for _ in range(n):
        UnitPerson.objects.create(
            unit=unit,
            role=UnitPerson.Role.DIRECTLY_RESPONSIBLE,
            subject=w.subject,
            archive=w.archive,
            added_by=w.edu_clerk,
            added_at=timezone.now(),
            ended_at=timezone.now(),
        )
    client = _client(w.edu_clerk)
    with django_assert_num_queries(PEOPLE_PAGE):
        page = client.get(reverse("units:people", args=[unit.pk])).content.decode()
    assert page.count(reverse("archives:archive", args=[w.archive.pk])) == n + 1


def test_the_unit_page_still_opens_after_the_retention_purge_took_its_records(world_units, unit) -> None:
    """Five years on, the purge deletes the records of a unit's dishonesty with their links
    to it (《征信业管理条例》 art. 16); the unit's page still opens."""
    from datetime import timedelta

    from archives import services as archive_services
    from archives.services.records.display import retention_ends

    decided = timezone.localdate() - relativedelta(years=4)
    item = propose(unit, world_units.edu_clerk, decided_on=decided, occurred_on=decided - timedelta(days=20))
    services.approve_dishonesty(item, by=world_units.edu_reviewer)
    assert archive_services.purge_expired_negative_information(today=retention_ends(decided) + timedelta(days=1)) >= 1
    assert not CreditRecord.objects.filter(source=CreditRecord.Source.UNIT_DISHONESTY).exists()
    response = _client(world_units.edu_clerk).get(reverse("units:unit", args=[unit.pk]))
    assert response.status_code == 200
