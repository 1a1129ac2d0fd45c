"""The employer's report and its verification in Chromium.

The person of the complaint has five effective negative records. They authorize an
employer for recruitment and try to tick only 奖惩情况: the form refuses, naming the
category the law makes mandatory and its source. With it ticked, the employer's report
holds all five negative records, a summary block and the scope, and never says
"无不良记录". Anyone holding the printed report checks it on the verification page,
typing the code with a Chinese input method (full-width, lower case): the page shows
the report as issued. axe passes on every page; screenshots go to
test-artifacts/screenshots/report-*.png, the PDF's pages to report-pdf-*.png.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from typing import Any

import pytest

from departments.models import RecordCategory
from disclosure.models import Authorization, CreditReport
from tests.e2e.conftest import SCREENSHOTS, assert_no_axe_violations, screenshot
from tests.e2e.test_journey2_citizen_authorizes import _query, _record, _sign_in, _sign_out, journey  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

NEGATIVE_TITLES = ["违规组织有偿补课", "违规收受家长礼金", "家长投诉属实", "体罚学生受到处分", "学术不端"]


def _check(page: Any, name: str) -> None:
    assert_no_axe_violations(page)
    screenshot(page, f"report-{name}")


def _full_width(text: str) -> str:
    return "".join(chr(ord(ch) + 0xFEE0) if "!" <= ch <= "~" else ch for ch in text)


def test_employer_report_holds_every_negative_record_and_verifies_as_issued(
    page: Any, base_url: str, journey: dict  # noqa: F811
) -> None:
    teacher_archive = journey["subject"].archives.get(occupation__code="teacher")
    clerk = teacher_archive.created_by
    # Each with its own words and number, so the screenshots read as a real report.
    _record(teacher_archive, clerk, title="违规收受家长礼金", severity="serious",
            category=RecordCategory.objects.get(code="integrity"), decision_number="示教罚〔2026〕15号",
            description="收受学生家长礼金共计三千元。")
    _record(teacher_archive, clerk, title="家长投诉属实", severity="minor",
            category=RecordCategory.objects.get(code="complaints"), decision_number="示教投〔2026〕3号",
            description="经调查，家长关于课堂言语不当的投诉属实。")
    _record(teacher_archive, clerk, title="体罚学生受到处分", category=RecordCategory.objects.get(code="rewards-penalties"),
            decision_number="示教罚〔2026〕17号", description="体罚学生，给予警告处分。")
    _record(teacher_archive, clerk, title="学术不端", decision_number="示教罚〔2026〕21号",
            description="发表论文存在抄袭。")

    # The citizen authorizes the employer for recruitment, ticking only 奖惩情况.
    _sign_in(page, base_url, "j2_citizen", "/my/")
    page.goto(base_url + "/my/authorizations/new/?q=演示科技")
    page.get_by_label("示范市演示科技有限公司").check()
    page.check("#id_purpose_0")  # recruitment
    page.get_by_label("教师").check()
    page.get_by_label("奖惩情况").check()
    page.locator("#authorization-terms button[type=submit]").click()
    page.wait_for_load_state()
    assert page.locator(".govuk-error-summary").is_visible()
    assert "不能去掉" in page.content()
    assert Authorization.objects.count() == 0
    _check(page, "01-mandatory-category-refused")
    page.get_by_label(re.compile("相关违法违纪违约行为")).check()
    page.locator("#authorization-terms button[type=submit]").click()
    page.wait_for_url(base_url + "/my/authorizations/new/check/")
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(r".*/granted/$"))
    code = page.locator("#authorization-code").inner_text().strip()
    _sign_out(page)

    # The employer's report: every negative record, the summary, the scope.
    _sign_in(page, base_url, "j2_employer", "/institution/")
    _query(page, base_url, journey, code)
    assert "/reports/" in page.url
    content = page.content()
    for title in NEGATIVE_TITLES:
        assert title in content, title
    assert "无不良记录" not in content
    assert page.locator("#count-negative").inner_text().startswith("5")
    assert "本报告列有 5 条有效不良记录" in content
    assert "本用途依法必含的内容" in content
    assert "医师档案中的记录" not in content
    _check(page, "02-employer-report")
    report = CreditReport.objects.get()
    number = page.locator("#report-number").inner_text().strip()
    verification = page.locator("#verification-code").inner_text().strip()
    assert number == report.number
    pdf = page.request.get(page.url + "pdf/")
    assert pdf.status == 200
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    (SCREENSHOTS / "report.pdf").write_bytes(pdf.body())
    if shutil.which("pdftoppm"):
        subprocess.run(  # noqa: S603
            ["pdftoppm", "-png", "-r", "80", str(SCREENSHOTS / "report.pdf"), str(SCREENSHOTS / "report-pdf")],  # noqa: S607
            check=True,
        )
    _sign_out(page)

    # Anyone holding the report: the QR code's address fills in the number; the code
    # is typed full-width and in lower case.
    page.goto(f"{base_url}/reports/verify/?number={number}")
    assert page.locator("#id_number").input_value() == number
    page.fill("#id_code", _full_width(verification.lower()))
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()
    shown = page.content()
    assert "本报告由本平台出具" in shown
    for title in NEGATIVE_TITLES:
        assert title in shown, title
    assert "示范市演示科技有限公司" in page.locator("#report-recipient").inner_text()
    assert "招聘录用" in page.locator("#report-purpose").inner_text()
    assert "不良 5 条" in page.locator("#issued-counts").inner_text()
    _check(page, "03-verification-shows-the-report-as-issued")

    # A malformed code gets a clear message, never an error page.
    page.fill("#id_code", "验证码１２３")
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()
    assert page.locator(".govuk-error-summary").is_visible()
    assert "数字 0–9 和字母 A–F" in page.content()
    _check(page, "04-verification-malformed-code")

    # The citizen's list of reports issued about them.
    _sign_in(page, base_url, "j2_citizen", "/my/")
    page.locator("#my-reports-link").click()
    page.wait_for_url(base_url + "/my/reports/")
    assert number in page.content()
    _check(page, "05-my-reports")
