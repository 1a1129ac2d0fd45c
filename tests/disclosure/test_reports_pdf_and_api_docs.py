from __future__ import annotations

import shutil
import subprocess

import pytest
from django.urls import reverse

from disclosure.pdf import render_report_pdf
from disclosure.services import queries
from disclosure.services.reports import verification_code
from tests.disclosure.conftest import grant


def _report(disc):
    _auth, code = grant(disc)
    return queries.query_record(
        by=disc.employer_staff, name=disc.subject.name, id_number=disc.subject.id_number, code=code,
        purpose="recruitment",
    ).report


@pytest.mark.django_db
def test_pdf_uses_the_cjk_font_and_carries_the_verification_facts(disc):
    pdf = render_report_pdf(_report(disc))
    assert pdf.startswith(b"%PDF")
    assert b"STSong-Light" in pdf
    assert b"UniGB-UCS2-H" in pdf


@pytest.mark.django_db
@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs poppler-utils (pdftotext)")
def test_pdf_text_is_chinese_and_matches_the_snapshot(disc, tmp_path):
    report = _report(disc)
    path = tmp_path / "report.pdf"
    path.write_bytes(render_report_pdf(report))
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, check=True, text=True).stdout  # noqa: S603, S607
    for expected in ("测试甲", "违规有偿补课", "示范科技有限公司", report.number, verification_code(report)):
        assert expected in text
    assert disc.subject.id_number not in text
    assert "收受红包" in text  # the doctor archive is in the whole-record scope


@pytest.mark.django_db
def test_openapi_schema_documents_the_disclosure_endpoints(client, disc):
    client.force_login(disc.employer_staff)
    schema = client.get(reverse("api-schema"), HTTP_ACCEPT="application/json").json()
    for path in ("/api/disclosure/queries/", "/api/disclosure/reports/verify/", "/api/disclosure/reports/{number}/"):
        assert path in schema["paths"]


@pytest.mark.django_db
def test_swagger_ui_is_served_locally(client, disc):
    client.force_login(disc.employer_staff)
    page = client.get(reverse("api-docs-interactive")).content.decode()
    assert "cdn" not in page.lower()
    assert "unpkg" not in page.lower()
    assert "jsdelivr" not in page.lower()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/" in page
    # The Content-Security-Policy allows scripts from 'self' only: no inline script.
    assert "<script>" not in page
    script = client.get(reverse("api-docs-interactive") + "?script")
    assert script.status_code == 200
    assert b"SwaggerUIBundle" in script.content
