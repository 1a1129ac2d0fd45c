"""Credit levels and the green channel in Chromium: the credit office's list filtered by
level, the rules page's error state, the staff archive page's reasons, the citizen
reading their level's reasons (normal and elderly mode), and a department's green
channel check with its error state. axe on every page; screenshots levels-*."""

from __future__ import annotations

from typing import Any

import pytest

from archives.levels import services as level_services
from disclosure.services.registration import link_citizen
from tests import factories as f
from tests.archives.conftest import publish_negative
from tests.archives.conftest import world as world  # noqa: F401 - fixture re-export
from tests.e2e.conftest import assert_no_axe_violations, enable_elderly_mode, screenshot
from tests.e2e.test_journey3_objection import sign_in, submit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def check(page: Any, name: str) -> None:
    assert_no_axe_violations(page)
    screenshot(page, f"levels-{name}")


def _setup(world: Any) -> None:
    publish_negative(world, severity="serious", title="违规有偿补课", **f.lately(42))
    level_services.refresh_due_levels()
    link_citizen(world.citizen, world.subject, by=world.credit_office)


@pytest.mark.parametrize("mode", ["normal", "elderly"])
def test_credit_office_lists_levels_and_the_citizen_reads_the_reasons(page: Any, base_url: str, world: Any,
                                                                      mode: str) -> None:
    _setup(world)
    sign_in(page, base_url, "credit_officer")
    if mode == "elderly":
        enable_elderly_mode(page, base_url)
    page.goto(base_url + "/staff/levels/")
    check(page, f"01-list-{mode}")
    page.select_option("#id_level", "serious")
    page.locator("main form[method=get] button[type=submit]").click()
    page.wait_for_load_state()
    assert page.locator("tbody tr").count() == 1
    assert "严重失信" in page.locator("tbody").inner_text()
    check(page, f"02-list-serious-{mode}")
    page.locator("tbody a").first.click()
    page.wait_for_load_state()
    reasons = page.locator(".app-level-reasons li")
    assert reasons.count() == 1
    assert "违规有偿补课" in reasons.first.inner_text()
    check(page, f"03-staff-archive-{mode}")

    page.goto(base_url + "/staff/levels/rules/new/")
    page.select_option("#id_level", "warning")
    submit(page)
    assert page.title().startswith("错误：")
    assert page.locator(".govuk-error-summary a[href='#id_source']").count() == 1
    check(page, f"04-rule-error-{mode}")

    sign_in(page, base_url, "citizen")
    if mode == "elderly":
        enable_elderly_mode(page, base_url)
    page.goto(base_url + f"/my/archives/{world.archive.pk}/")
    assert page.locator("[data-level='serious']").count() == 1
    text = page.locator(".app-level-reasons").inner_text()
    assert "违规有偿补课" in text
    assert "依据" in text
    check(page, f"05-citizen-level-{mode}")


def test_a_department_uses_the_green_channel_and_the_person_sees_it(page: Any, base_url: str, world: Any) -> None:
    _setup(world)
    sign_in(page, base_url, "health_reviewer")
    page.goto(base_url + "/green-channel/")
    check(page, "10-green-channel-empty")
    page.fill("#id_name", world.subject.name)
    page.fill("#id_id_number", world.subject.id_number)
    submit(page)
    assert page.title().startswith("错误：")
    check(page, "11-green-channel-error")
    page.fill("#id_id_number", world.subject.id_number)
    page.locator("input[name=matter][value=licensing]").check()
    page.fill("#id_detail", "教师资格定期注册申请第7号")
    submit(page)
    answer = page.locator("#green-channel-answer")
    assert answer.get_attribute("data-met") == "no"
    assert "不符合绿色通道条件" in answer.inner_text()
    check(page, "12-green-channel-answer")

    sign_in(page, base_url, "citizen")
    page.goto(base_url + "/my/queries/")
    assert "绿色通道核查" in page.locator("main").inner_text()
    check(page, "13-citizen-query-log")
