"""Excel intake in Chromium: template download → upload with errors → progress →
error report → corrected file → success. axe on every page; screenshots go to
test-artifacts/screenshots/intake-*.png; the downloaded workbooks are opened with openpyxl."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from archives.intake.models import ImportJob
from archives.models import CreditRecord
from departments.models import Department, Membership, Occupation, RecordCategory
from tests import factories as f
from tests.e2e.conftest import assert_no_axe_violations, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]
PASSWORD = "test-password-123"  # noqa: S105 - tests/factories.make_user


@pytest.fixture(autouse=True)
def _eager_tasks():  # type: ignore[no-untyped-def]
    # The upload queues the import; run it in-process as the embedded profile does,
    # also when the suite runs against Redis without a worker.
    from credit_portal.celery import app

    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = previous


def _check(page: Any, name: str) -> None:
    assert_no_axe_violations(page)
    screenshot(page, f"intake-{name}")


def _upload(page: Any, path: Path, occupation: str) -> None:
    page.select_option("#id_occupation", label=occupation)
    page.set_input_files("#id_file", str(path))
    page.locator("form button[type=submit].govuk-button").click()
    page.wait_for_url("**/intake/jobs/**")


def test_clerk_uploads_fixes_and_imports(page: Any, base_url: str, tmp_path: Path) -> None:
    education = Department.objects.get(code="education")
    teacher = Occupation.objects.get(code="teacher")
    violations = RecordCategory.objects.get(code="violations").name
    clerk = f.member(education, Membership.Role.CLERK, "intake_clerk")
    assert clerk.pk
    page.goto(base_url + "/accounts/login/?next=/staff/intake/")
    page.fill("#id_username", "intake_clerk")
    page.fill("#id_password", PASSWORD)
    page.locator("form button[type=submit].govuk-button").click()
    page.wait_for_url(base_url + "/staff/intake/")
    _check(page, "1-upload-page")

    with page.expect_download() as info:
        page.get_by_role("link", name=f"{teacher.name}模板（.xlsx）").click()
    template = tmp_path / "template.xlsx"
    info.value.save_as(template)
    book = load_workbook(template)
    sheet = book["记录"]
    assert sheet["B1"].value == "公民身份号码*"
    assert sheet["Q1"].value == "信息来源"  # 001 §三(五), optional, the last column
    rows = [
        ["浏览器甲", f.make_id_number(birth=date(1988, 5, 5), seq=7, region="110109"), None, "示范市第五中学", None,
         violations, "负面", "一般", "违规补课", None, "示教〔2026〕7号", "示范市教育局", date(2026, 1, 2),
         date(2026, 1, 20), None, "否", "处罚处分"],
        ["浏览器乙", f.make_id_number(birth=date(1989, 6, 6), seq=8, region="110109"), None, "示范市第五中学", None,
         "不存在的类别", "负面", "一般", "违规收费", None, "示教〔2026〕8号", "示范市教育局", date(2026, 1, 3),
         date(2026, 1, 21), None, "否", "抽查检查"],
    ]
    for r, values in enumerate(rows, start=2):
        for c, value in enumerate(values, start=1):
            sheet.cell(row=r, column=c, value=value)
    bad = tmp_path / "teachers.xlsx"
    book.save(bad)

    _upload(page, bad, teacher.name)
    assert "未导入任何数据" in page.locator("h1").inner_text()
    assert page.locator("#count-refused").inner_text() == "1"
    _check(page, "2-refused")
    with page.expect_download() as info:
        page.get_by_role("link", name="下载错误报告").click()
    report_path = tmp_path / "errors.xlsx"
    info.value.save_as(report_path)
    report = load_workbook(report_path)
    errors = report["记录"]
    assert errors["R1"].value == "错误说明"
    assert "未知的信息类别“不存在的类别”" in errors["R3"].value
    assert errors["Q3"].value == "抽查检查"
    assert errors["M2"].is_date
    errors["F3"] = violations
    fixed = tmp_path / "fixed.xlsx"
    report.save(fixed)
    assert not CreditRecord.objects.filter(source=CreditRecord.Source.EXCEL).exists()

    page.goto(base_url + "/staff/intake/")
    _upload(page, fixed, teacher.name)
    assert page.locator("h1").inner_text() == "导入完成"
    assert page.locator("#count-created").inner_text() == "2"
    _check(page, "4-done")
    assert CreditRecord.objects.filter(source=CreditRecord.Source.EXCEL, state="draft").count() == 2
    assert set(CreditRecord.objects.filter(source=CreditRecord.Source.EXCEL).values_list("source_type", flat=True)) \
        == {"penalty", "spot_check"}
    # The imported drafts are on the clerk's one list of their own items.
    page.get_by_role("link", name="我的事项").first.click()
    assert page.locator("h1").inner_text() == "我的事项"
    assert page.locator("table.govuk-table tbody tr").count() == 2
    assert page.locator("table.govuk-table").get_by_text("Excel 导入").count() == 2
    _check(page, "5-my-items")


def test_progress_page_shows_a_moving_bar(page: Any, base_url: str) -> None:
    from django.core.cache import cache

    from archives.intake.jobs import progress_key

    education = Department.objects.get(code="education")
    clerk = f.member(education, Membership.Role.CLERK, "intake_clerk2")
    job = ImportJob.objects.create(department=education, occupation=Occupation.objects.get(code="teacher"),
                                   created_by=clerk, original_name="a.xlsx", digest="0" * 64,
                                   state=ImportJob.State.RUNNING)
    cache.set(progress_key(job.pk), {"phase": "checking", "done": 4000, "total": 10000}, timeout=60)
    page.goto(base_url + "/accounts/login/?next=/staff/intake/")
    page.fill("#id_username", "intake_clerk2")
    page.fill("#id_password", PASSWORD)
    page.locator("form button[type=submit].govuk-button").click()
    page.wait_for_url(base_url + "/staff/intake/")
    page.goto(base_url + f"/staff/intake/jobs/{job.pk}/")
    assert page.locator("#import-progress").get_attribute("value") == "40"
    _check(page, "3-progress")
    # The page polls the JSON status: the bar moves without a reload.
    cache.set(progress_key(job.pk), {"phase": "checking", "done": 9000, "total": 10000}, timeout=60)
    from playwright.sync_api import expect

    expect(page.locator("#import-progress-value")).to_have_text("90%", timeout=10_000)
    assert page.locator("#import-progress").get_attribute("value") == "90"
