"""A third-party report's integrity points name only findings the report shows: a finding
past its display period no longer scores (``levels.compute.finding_is_effective``)."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from archives import services
from archives.levels import points
from archives.models import AnnualFinding
from disclosure.models import Purpose
from disclosure.services import authorizations as auth_services
from disclosure.services import queries

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def test_points_in_a_report_name_a_finding_the_report_no_longer_shows(disc) -> None:
    office = disc.world.credit_office
    points.set_points_pilot(enabled=True, by=office)
    points.add_point_rule(by=office, kind="finding", finding_status="warning", points=-20,
                          source="示范市诚信积分试点方案第八条")
    w = disc.world
    year = timezone.localdate().year - 2  # a warning's display ended with last year
    draft = services.draft_finding(w.archive, year=year, status=AnnualFinding.Status.WARNING, basis=f"{year}年度认定",
                                   by=w.edu_clerk)
    services.attach_evidence(SimpleUploadedFile("proof.pdf", PDF, "application/pdf"), finding=draft, by=w.edu_clerk)
    warning = services.sign_finding(draft, by=w.edu_reviewer)
    assert warning.display_until == date(year + 1, 12, 31)  # signed this year: no longer shown

    terms = auth_services.check_terms(disc.subject, grantee=disc.employer, purpose=Purpose.RECRUITMENT, days=30,
                                      max_uses=1, include_points=True)
    _auth, code = auth_services.grant_authorization(disc.subject, by=disc.citizen, terms=terms)
    report = queries.query_record(by=disc.employer_staff, name=disc.subject.name, id_number=disc.subject.id_number,
                                  code=code, purpose=Purpose.RECRUITMENT).report
    teacher = next(a for a in report.content["archives"] if a["occupation_code"] == "teacher")
    assert year not in [f["year"] for f in teacher["findings"]]  # the report does not show it …
    lines = [line["text"] for line in teacher.get("points", {}).get("lines", [])]
    assert not any(str(year) in text for text in lines), f"… nor do its points: {lines}"
