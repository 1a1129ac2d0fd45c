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
def test_pdf_embeds_a_subset_of_the_vendored_cjk_font(disc):
    pdf = render_report_pdf(_report(disc))
    assert pdf.startswith(b"%PDF")
    # A TrueType subset embedded in the file (FontFile2), not a font the reader must supply.
    assert b"WenQuanYiMicroHei" in pdf
    assert b"/FontFile2" in pdf
    assert b"STSong-Light" not in pdf


@pytest.mark.django_db
@pytest.mark.skipif(shutil.which("pdffonts") is None, reason="needs poppler-utils (pdffonts)")
def test_pdffonts_lists_every_font_as_embedded_subset(disc, tmp_path):
    path = tmp_path / "report.pdf"
    path.write_bytes(render_report_pdf(_report(disc)))
    lines = subprocess.run(["pdffonts", str(path)], capture_output=True, check=True, text=True).stdout.splitlines()  # noqa: S603, S607
    fonts = lines[2:]
    assert fonts
    for line in fonts:
        name, columns = line.split()[0], line.split()
        assert "+WenQuanYiMicroHei" in name
        assert columns[-5:-3] == ["yes", "yes"]  # emb, sub


@pytest.mark.django_db
@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs poppler-utils (pdftotext)")
def test_pdf_carries_page_numbers_verification_address_and_no_doubled_punctuation(disc, tmp_path):
    report = _report(disc)
    path = tmp_path / "report.pdf"
    url = f"https://credit.example.gov.cn/reports/verify/?number={report.number}"
    path.write_bytes(render_report_pdf(report, verify_url=url))
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True, text=True).stdout  # noqa: S603, S607
    import re

    total = int(re.search(r"第 1 页，共 (\d+) 页", text).group(1))
    assert f"第 {total} 页，共 {total} 页" in text
    assert url in text.replace("\n", "")
    assert "。；" not in text
    assert "；；" not in text
    assert "信息概要" in text
    # The category column holds the longest catalogue name on one line.
    assert "相关违法违纪违约行为" in text


def test_join_fields_drops_trailing_punctuation():
    from disclosure.pdf import join_fields

    assert join_fields("在校外机构有偿补课。", "示教罚〔2026〕12号", "", "示范市教育局；") == "在校外机构有偿补课；示教罚〔2026〕12号；示范市教育局"


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
    # What a report shows, the same line on every report (the page says it too).
    assert "均不会出现在报告中" in text.replace("\n", "")


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


@pytest.mark.django_db
def test_pdf_view_puts_the_verification_address_in_the_qr_code(client, disc, monkeypatch):
    import disclosure.pdf as pdf_module

    encoded: list[str] = []
    real_qr = pdf_module._qr

    def spy(url, *args, **kwargs):
        encoded.append(url)
        return real_qr(url, *args, **kwargs)

    monkeypatch.setattr(pdf_module, "_qr", spy)
    report = _report(disc)
    client.force_login(disc.employer_staff)
    response = client.get(reverse("disclosure:report_pdf", args=[report.number]))
    assert response.status_code == 200
    assert encoded == [f"http://testserver/reports/verify/?number={report.number}"]
    # The code never travels in the address: URLs end up in logs.
    assert verification_code(report).replace("-", "") not in encoded[0].replace("-", "")
