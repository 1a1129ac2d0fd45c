"""The credit office's integrity points scoring rules page in Chromium: the list, the
add form's error state (no source), the change form, at desktop width and at 390 px.
axe on every page; screenshots points-rules-*."""

from __future__ import annotations

from typing import Any

import pytest

from archives.levels import points
from tests.archives.conftest import world as world  # noqa: F401 - fixture re-export
from tests.e2e.conftest import assert_no_axe_violations, screenshot
from tests.e2e.test_journey3_objection import sign_in, submit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def check(page: Any, name: str) -> None:
    assert_no_axe_violations(page)
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    screenshot(page, f"points-rules-{name}")


@pytest.mark.parametrize("width", [1280, 390])
def test_credit_office_keeps_the_scoring_rules(page: Any, base_url: str, world: Any, width: int) -> None:
    points.set_points_pilot(enabled=True, by=world.credit_office)
    points.add_point_rule(by=world.credit_office, kind="negative_record", severity="general", points=-10,
                          source="示范市诚信积分管理试点方案第七条")
    page.set_viewport_size({"width": width, "height": 900})
    sign_in(page, base_url, "credit_officer")
    page.goto(base_url + "/staff/levels/rules/")
    page.get_by_role("link", name="诚信积分计分规则").click()
    page.wait_for_load_state()
    assert "试点已开启" in page.locator("#pilot-state").inner_text()
    check(page, f"01-list-{width}")

    page.get_by_role("link", name="新增计分规则").click()
    page.wait_for_load_state()
    page.select_option("#id_kind", "positive_record")
    page.fill("#id_points", "5")
    submit(page)
    assert page.title().startswith("错误：")
    assert page.locator(".govuk-error-summary a[href='#id_source']").count() == 1
    check(page, f"02-new-error-{width}")
    page.fill("#id_source", "示范市诚信积分管理试点方案第六条")
    submit(page)
    assert "计分规则已生效" in page.locator("main").inner_text()

    page.locator("main table a", has_text="修改").first.click()
    page.wait_for_load_state()
    check(page, f"03-change-{width}")
