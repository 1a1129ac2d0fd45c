"""The green channel check (绿色通道; 001 §四, 004 item 23): three or more clean years,
counted across a leap day and after a correction; logged as a query the person sees;
bad input refused with nothing logged; only licensing departments' staff may ask."""

from __future__ import annotations

from datetime import date

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from archives import services
from archives.levels.compute import clean_years_reached_on, has_clean_years
from archives.levels.green_channel import green_channel_standing
from archives.models import Archive
from credit_portal.models import AuditEntry
from departments.models import Department, Membership
from disclosure.models import QueryLog
from disclosure.services import registration
from disclosure.services.green_channel import check_green_channel
from tests import factories as f
from tests.archives.conftest import World, publish_negative

pytestmark = pytest.mark.django_db


def _since(world: World, start: date) -> None:
    Archive.objects.filter(pk=world.archive.pk).update(practice_start=start)
    world.archive.refresh_from_db()


def _check(world: World, *, by=None, matter: str = "licensing", detail: str = "教师资格认定申请第18号"):
    return check_green_channel(by=by or world.health_reviewer, name=world.subject.name,
                               id_number=world.subject.id_number, matter=matter, detail=detail)


def test_leap_day_counting_follows_the_civil_code():
    # The day after an event on 29 Feb 2024 starts the count; three whole years end on 28 Feb 2027.
    since = date(2024, 3, 1)
    assert not has_clean_years(since, 3, date(2027, 2, 28))
    assert has_clean_years(since, 3, date(2027, 3, 1))
    assert clean_years_reached_on(since, 3) == date(2027, 3, 1)
    assert clean_years_reached_on(date(2024, 2, 29), 3) == date(2027, 3, 1)


def test_a_serious_record_of_29_february_blocks_until_1_march_three_years_on(world: World):
    _since(world, date(2015, 9, 1))
    with time_machine.travel(date(2024, 3, 5), tick=False):
        record = publish_negative(world, severity="serious", occurred_on=date(2024, 2, 1), decided_on=date(2024, 2, 29))
    assert record.display_until == date(2027, 2, 28)
    before = green_channel_standing(world.subject, on=date(2027, 2, 28))
    assert not before.met
    assert before.qualifies_from == date(2027, 3, 1)
    assert "2024-02-29" in before.why_not
    assert "违规有偿补课" not in before.why_not  # the department learns why, not the content
    assert green_channel_standing(world.subject, on=date(2027, 3, 1)).met


def test_a_history_shorter_than_three_years_does_not_qualify(world: World):
    _since(world, date(2024, 2, 29))
    standing = green_channel_standing(world.subject, on=date(2027, 2, 28))
    assert not standing.met
    assert standing.qualifies_from == date(2027, 3, 1)
    assert green_channel_standing(world.subject, on=date(2027, 3, 1)).met


def test_a_correction_that_clears_the_record_restores_the_clean_years(world: World):
    _since(world, date(2018, 1, 1))
    with time_machine.travel(date(2026, 5, 4), tick=False):
        record = publish_negative(world, severity="serious")
        assert not green_channel_standing(world.subject, on=date(2026, 5, 4)).met
        services.correct_record(record, by=world.credit_office, reason="异议成立：非本人行为", polarity="neutral",
                                severity="", is_penalty=False)
        assert green_channel_standing(world.subject, on=date(2026, 5, 4)).met


def test_the_check_is_logged_audited_and_shown_to_the_person(client, world: World):
    _since(world, date(2018, 1, 1))
    answer = _check(world)
    assert answer.met
    log = answer.log
    assert log.kind == QueryLog.Kind.GREEN_CHANNEL
    assert log.department == world.health
    assert log.subject == world.subject
    assert log.green_channel_met is True
    assert AuditEntry.objects.filter(action="disclosure.green_channel.checked").count() == 1
    registration.link_citizen(world.citizen, world.subject, by=world.credit_office)
    client.force_login(world.citizen)
    page = client.get(reverse("disclosure:my_queries")).content.decode()
    assert "卫健委" in page
    assert "绿色通道" in page
    assert "教师资格认定申请第18号" in page


def test_a_check_without_purpose_is_refused_and_nothing_is_logged(world: World):
    with pytest.raises(ValidationError) as exc:
        _check(world, detail="  ")
    assert "detail" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        _check(world, matter="")
    assert "matter" in exc.value.message_dict
    assert not QueryLog.objects.exists()


def test_a_name_that_does_not_match_is_answered_without_telling_who_exists(world: World):
    answer = check_green_channel(by=world.health_reviewer, name="别人", id_number=world.subject.id_number,
                                 matter="licensing", detail="申请1")
    assert not answer.met
    assert answer.standing is None
    assert answer.log.outcome == QueryLog.Outcome.REFUSED
    unknown = check_green_channel(by=world.health_reviewer, name="别人", id_number=f.make_id_number(seq=77),
                                  matter="licensing", detail="申请1")
    assert unknown.message == answer.message


@pytest.mark.parametrize("user", ["citizen", "credit_office"])
def test_only_licensing_departments_staff_may_check(world: World, user: str):
    with pytest.raises(PermissionDenied):
        _check(world, by=getattr(world, user))
    assert not QueryLog.objects.exists()


def test_industry_association_staff_may_not_check(world: World):
    association = f.department("lawyers-assoc", "律师协会")
    Department.objects.filter(pk=association.pk).update(kind=Department.Kind.ASSOCIATION)
    member = f.member(association, Membership.Role.REVIEWER, "assoc_reviewer")
    with pytest.raises(PermissionDenied):
        _check(world, by=member)


@pytest.mark.parametrize("user", ["citizen", "credit_office"])
def test_the_page_refuses_others(client, world: World, user: str):
    client.force_login(getattr(world, user))
    assert client.get(reverse("disclosure:green_channel")).status_code == 403
    response = client.post(reverse("disclosure:green_channel"), {
        "name": world.subject.name, "id_number": world.subject.id_number, "matter": "licensing", "detail": "申请1",
    })
    assert response.status_code == 403
    assert not QueryLog.objects.exists()


def test_the_page_answers_with_why_and_shows_errors_for_no_purpose(client, world: World):
    client.force_login(world.health_reviewer)
    response = client.post(reverse("disclosure:green_channel"), {
        "name": world.subject.name, "id_number": world.subject.id_number, "matter": "", "detail": "",
    })
    body = response.content.decode()
    assert "错误：" in body.split("</title>")[0]
    assert 'href="#id_matter' in body
    assert 'href="#id_detail"' in body
    assert not QueryLog.objects.exists()
    response = client.post(reverse("disclosure:green_channel"), {
        "name": world.subject.name, "id_number": world.subject.id_number, "matter": "subsidy", "detail": "补助申请第3号",
    })
    body = response.content.decode()
    assert 'data-met="no"' in body  # the archive was opened today: no three years yet
    assert world.subject.id_number not in body
    assert QueryLog.objects.filter(kind="green_channel", matter="subsidy").count() == 1
