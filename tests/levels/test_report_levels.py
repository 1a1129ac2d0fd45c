"""The credit level in the citizen's report summary: the person's own report shows it
with its reasons; a third party sees it only where the report's scope covers what the
level rests on."""

from __future__ import annotations

import pytest
from django.urls import reverse

from archives.levels import services as level_services
from disclosure.models import Purpose
from disclosure.services import queries
from disclosure.services.reports import issue_self_report
from tests.disclosure.conftest import grant
from tests.disclosure.test_views_flows import login

pytestmark = pytest.mark.django_db


def _teacher(report):
    return next(a for a in report.content["archives"] if a["occupation_code"] == "teacher")


def test_own_report_shows_the_level_with_its_reasons(client, disc) -> None:
    level_services.recompute_level(disc.world.archive)
    report = issue_self_report(disc.subject, by=disc.citizen)
    teacher = _teacher(report)
    assert teacher["credit_level"]["level"] == "warning"
    assert "违规有偿补课" in teacher["credit_level"]["reasons"][0]["text"]
    assert teacher["credit_level"]["reasons"][0]["basis"]
    assert {"occupation": "教师", "label": "警示", "level": "warning"} in report.content["summary"]["credit_levels"]
    login(client, disc.citizen)
    page = client.get(reverse("disclosure:report", args=[report.number])).content.decode()
    assert 'id="summary-levels"' in page
    assert "警示" in page.split('id="summary-levels"')[1].split("</td>")[0]


def test_a_recruitment_report_carries_the_level_every_negative_record_is_in_it(disc) -> None:
    level_services.recompute_level(disc.world.archive)
    _auth, code = grant(disc, purpose=Purpose.RECRUITMENT, occupations=(disc.world.teacher,))
    report = queries.query_record(
        by=disc.employer_staff, name=disc.subject.name, id_number=disc.subject.id_number, code=code,
        purpose=Purpose.RECRUITMENT,
    ).report
    assert _teacher(report)["credit_level"]["level"] == "warning"


def test_a_narrow_financial_report_withholds_the_level_and_says_so(disc) -> None:
    level_services.recompute_level(disc.world.archive)
    _auth, code = grant(disc, purpose=Purpose.FINANCIAL, categories=(disc.rewards,))
    report = queries.query_record(
        by=disc.employer_staff, name=disc.subject.name, id_number=disc.subject.id_number, code=code,
        purpose=Purpose.FINANCIAL,
    ).report
    assert _teacher(report)["credit_level"] is None
    assert report.content["summary"]["credit_levels"] == []
    assert any("信用等级" in item for item in report.content["scope"]["left_out"])


def test_a_level_the_reports_records_contradict_is_left_out(disc) -> None:
    """The level is recomputed by a task after a record is published; until it has run
    (a worker down) the stored 良好 says "no negative record since X" while the report
    lists one decided after X. The report leaves the level out and says so, and shows it
    again once recomputed."""
    from datetime import date

    from archives.levels.models import ArchiveLevel
    from archives.models import Archive, CreditRecord

    Archive.objects.filter(pk=disc.world.archive.pk).update(practice_start=date(2015, 9, 1))
    negative = CreditRecord.objects.filter(pk=disc.negative.pk)
    negative.update(state=CreditRecord.State.EXPIRED)
    level_services.recompute_level(disc.world.archive)
    assert ArchiveLevel.objects.get(archive=disc.world.archive).level == "good"
    negative.update(state=CreditRecord.State.PUBLISHED)  # published again; the recompute has not run
    report = issue_self_report(disc.subject, by=disc.citizen)
    assert _teacher(report)["credit_level"] is None
    assert any("信用等级" in item for item in report.content["scope"]["left_out"])
    level_services.recompute_level(disc.world.archive)
    report = issue_self_report(disc.subject, by=disc.citizen)
    assert _teacher(report)["credit_level"]["level"] == "warning"
