"""The credit level and the integrity points in the report PDF, as on the report page:
in the summary (信息概要) and line by line under each archive. Points reach a third
party only when the person included them in the authorization; a level only where the
report's scope covers what it rests on."""

from __future__ import annotations

import shutil
import subprocess

import pytest
from django.urls import reverse

from archives.levels import points
from archives.levels import services as level_services
from disclosure.models import Purpose
from disclosure.pdf import render_report_pdf
from disclosure.services import authorizations as auth_services
from disclosure.services import queries
from disclosure.services.reports import issue_self_report
from tests.disclosure.conftest import grant
from tests.disclosure.test_views_flows import login

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs poppler-utils (pdftotext)"),
]

RULE_SOURCE = "示范市诚信积分试点方案第七条"


def _pilot(disc) -> None:
    office = disc.world.credit_office
    points.set_points_pilot(enabled=True, by=office)
    points.add_point_rule(by=office, kind="positive_record", points=5, source="示范市诚信积分试点方案第六条")
    points.add_point_rule(by=office, kind="negative_record", severity="general", points=-10, source=RULE_SOURCE)


def _text(report, tmp_path) -> str:
    path = tmp_path / f"{report.number}.pdf"
    path.write_bytes(render_report_pdf(report))
    out = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, check=True, text=True).stdout  # noqa: S603, S607
    return "".join(out.split())  # reportlab wraps lines anywhere in Chinese text


def _third_party(disc, *, include_points: bool):
    terms = auth_services.check_terms(
        disc.subject,
        grantee=disc.employer,
        purpose=Purpose.RECRUITMENT,
        days=30,
        max_uses=1,
        include_points=include_points,
    )
    _auth, code = auth_services.grant_authorization(disc.subject, by=disc.citizen, terms=terms)
    return queries.query_record(
        by=disc.employer_staff,
        name=disc.subject.name,
        id_number=disc.subject.id_number,
        code=code,
        purpose=Purpose.RECRUITMENT,
    ).report


def test_own_report_pdf_carries_level_and_points_in_summary_and_line_by_line(client, disc, tmp_path) -> None:
    _pilot(disc)
    level_services.recompute_level(disc.world.archive)
    report = issue_self_report(disc.subject, by=disc.citizen)
    assert {"occupation": "教师", "total": 95} in report.content["summary"]["points"]
    text = _text(report, tmp_path)
    summary = text.split("信息概要", 1)[1][:600]
    assert "信用等级教师：警示" in summary
    assert "诚信积分（试点）教师：95" in summary
    # Under the archive: the level's reasons and the points' lines with their basis.
    assert "信用等级：警示" in text
    assert "诚信积分（试点）：95" in text
    assert "违规有偿补课" in text
    assert RULE_SOURCE in text
    # The page shows the same summary row.
    login(client, disc.citizen)
    page = client.get(reverse("disclosure:report", args=[report.number])).content.decode()
    assert "95" in page.split('id="summary-points"')[1].split("</td>")[0]


def test_own_report_without_the_pilot_has_no_points_anywhere(disc, tmp_path) -> None:
    level_services.recompute_level(disc.world.archive)
    report = issue_self_report(disc.subject, by=disc.citizen)
    assert "points" not in report.content["summary"]
    text = _text(report, tmp_path)
    assert "诚信积分" not in text
    assert "信用等级教师：警示" in text


def test_a_third_party_pdf_has_no_points_unless_the_person_included_them(disc, tmp_path) -> None:
    _pilot(disc)
    level_services.recompute_level(disc.world.archive)
    without = _third_party(disc, include_points=False)
    assert "points" not in without.content["summary"]
    text = _text(without, tmp_path)
    assert "诚信积分" not in text
    assert RULE_SOURCE not in text
    assert "信用等级教师：警示" in text  # the recruitment scope covers what the level rests on
    included = _text(_third_party(disc, include_points=True), tmp_path)
    assert "诚信积分（试点）教师：95" in included


def test_a_third_party_pdf_withholds_a_level_its_scope_does_not_cover(disc, tmp_path) -> None:
    _pilot(disc)
    level_services.recompute_level(disc.world.archive)
    _auth, code = grant(disc, purpose=Purpose.FINANCIAL, categories=(disc.rewards,))
    report = queries.query_record(
        by=disc.employer_staff,
        name=disc.subject.name,
        id_number=disc.subject.id_number,
        code=code,
        purpose=Purpose.FINANCIAL,
    ).report
    text = _text(report, tmp_path)
    assert "信用等级：警示" not in text
    assert "教师：警示" not in text
    assert "诚信积分" not in text
