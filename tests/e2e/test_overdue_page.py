"""The overdue page (001 §三(五) cadence as data) in Chromium: departments and archives
behind their cadence, the filter form with an error, at phone width and in 长辈版; axe
passes on each. Screenshots go to test-artifacts/screenshots/overdue-*.png."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.utils import timezone

from archives import services
from archives.models import Archive
from tests import factories as f
from tests.e2e.conftest import PHONE, assert_no_axe_violations, enable_elderly_mode, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

PASSWORD = "test-password-123"  # tests/factories.make_user


def _backlog() -> None:
    education = f.department("education", "教育局")
    teacher = f.occupation("teacher", "教师", departments=(education,))
    clerk = f.member(education, "clerk", "overdue_clerk")
    for i in range(3):
        subject, _ = services.find_or_create_subject(
            name=f"逾期{i}", id_number=f.make_id_number(birth=date(1980, 1, 1 + i), seq=i), by=clerk)
        archive = services.open_archive(subject=subject, occupation=teacher, department=education,
                                        employer="示范市第一中学", by=clerk)
        Archive.objects.filter(pk=archive.pk).update(last_updated_at=timezone.now() - timedelta(days=400 + i))


def test_clerk_sees_the_overdue_departments_and_archives(page: Any, base_url: str) -> None:
    _backlog()
    page.goto(f"{base_url}/accounts/login/?next=/staff/overdue/")
    page.fill("#id_username", "overdue_clerk")
    page.fill("#id_password", PASSWORD)
    page.locator("form button[type=submit].govuk-button").click()
    page.wait_for_url(base_url + "/staff/overdue/")
    assert page.locator("h1").inner_text() == "逾期未更新的档案"
    assert "3" in page.locator("tr", has_text="市教育局").first.inner_text()
    assert page.locator("#overdue-count").inner_text() == "共 3 份档案"
    assert_no_axe_violations(page)
    screenshot(page, "overdue")

    page.goto(base_url + "/staff/overdue/?department=999999")
    assert page.title().startswith("错误：")
    assert page.locator(".govuk-error-summary").is_visible()
    assert_no_axe_violations(page)
    screenshot(page, "overdue-error")

    page.set_viewport_size(PHONE)
    page.goto(base_url + "/staff/overdue/")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    assert_no_axe_violations(page)
    enable_elderly_mode(page, base_url)
    page.goto(base_url + "/staff/overdue/")
    assert_no_axe_violations(page)
    screenshot(page, "overdue-elderly")
