"""The credit office's view of the city in Chromium: the dashboard with its charts and
tables, the yearly progress report, at desktop and phone width and in 长辈版. axe passes
on each; screenshots go to test-artifacts/screenshots/city-*.png."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.utils import timezone

from archives import services as archive_services
from credit_portal.roles import Role
from departments import services
from tests import factories as f
from tests.disclosure.conftest import make_record
from tests.e2e.conftest import PHONE, assert_no_axe_violations, enable_elderly_mode, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

PASSWORD = "test-password-123"  # tests/factories.make_user


def _city() -> None:
    education = f.department("education", "教育局")
    teacher = f.occupation("teacher", "教师", departments=(education,))
    clerk = f.member(education, "clerk", "city_clerk")
    f.make_user("city_office", roles=(Role.CREDIT_OFFICE,))
    for i in range(3):
        subject, _ = archive_services.find_or_create_subject(
            name=f"城市{i}", id_number=f.make_id_number(birth=date(1980, 1, 1 + i), seq=i), by=clerk)
        archive = archive_services.open_archive(subject=subject, occupation=teacher, department=education,
                                                employer="示范市第一中学", by=clerk)
        make_record(archive, by=clerk, severity=("minor", "general", "serious")[i])
    services.file_rules(education, by=clerk, title="教师信用档案管理办法", document_number="示教〔2026〕3号",
                        issued_on=date(2026, 3, 1))


def _sign_in(page: Any, base_url: str) -> None:
    page.goto(f"{base_url}/accounts/login/?next=/city/")
    page.fill("#id_username", "city_office")
    page.fill("#id_password", PASSWORD)
    page.locator("form button[type=submit].govuk-button").click()
    page.wait_for_url(base_url + "/city/")


def _no_horizontal_scroll(page: Any) -> None:
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def test_credit_office_sees_the_city_and_the_yearly_report(page: Any, base_url: str) -> None:
    _city()
    _sign_in(page, base_url)
    year = timezone.localdate().year
    assert page.locator("h1").inner_text() == f"{year}年全市信用档案概况"
    # Every chart is followed by its table with the same numbers.
    table = page.locator("table", has=page.locator("caption", has_text="按类别和严重程度统计的记录：数据表"))
    assert table.locator("tr", has_text="失信（严重）").locator("td").inner_text() == "1"
    assert_no_axe_violations(page)
    screenshot(page, "city-dashboard")

    page.get_by_role("link", name=f"{year}年度工作进展报告").click()
    page.wait_for_load_state()
    assert "个人诚信体系建设工作进展情况" in page.locator("h1").inner_text()
    row = page.locator("tr", has_text="市教育局").first
    assert "已报 1 件，已确认 0 件" in row.inner_text()
    assert_no_axe_violations(page)
    screenshot(page, "city-report")

    page.set_viewport_size(PHONE)
    page.goto(base_url + "/city/")
    _no_horizontal_scroll(page)
    assert_no_axe_violations(page)
    screenshot(page, "city-dashboard-phone")

    enable_elderly_mode(page, base_url)
    page.goto(base_url + "/city/")
    _no_horizontal_scroll(page)
    assert_no_axe_violations(page)
    screenshot(page, "city-dashboard-elderly")
