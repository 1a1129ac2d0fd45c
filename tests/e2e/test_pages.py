"""The page bar of DESIGN §10 on the foundation's pages, in a real browser."""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.conftest import PHONE, assert_no_axe_violations, axe_violations, enable_elderly_mode, screenshot
from tests.factories import make_user

# The live server needs committed data; serialized rollback restores the catalogue that
# the data migrations load after each test's flush.
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

PAGES = {
    "home": "/",
    "catalogue": "/catalogue/",
    "login": "/accounts/login/",
    "not-found": "/no-such-page/",
}
MODES = ["normal", "elderly"]


def _open(page: Any, base_url: str, mode: str, path: str) -> None:
    if mode == "elderly":
        enable_elderly_mode(page, base_url)
    response = page.goto(base_url + path)
    assert response is not None
    return response


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("name", list(PAGES))
def test_page_passes_axe_in_each_mode_and_width(page: Any, base_url: str, mode: str, name: str) -> None:
    response = _open(page, base_url, mode, PAGES[name])
    assert response.status == (404 if name == "not-found" else 200)
    assert page.title().endswith("信用档案门户")
    # Contrast as the every-page pass checks it (tests/e2e/test_every_page.py): every text
    # at 4.5:1 at desktop width, which no smaller type on the phone can fail.
    assert_no_axe_violations(page, contrast="strict")
    screenshot(page, f"{name}-{mode}-desktop")
    page.set_viewport_size(PHONE)
    assert_no_axe_violations(page, contrast="off")
    screenshot(page, f"{name}-{mode}-phone")


def test_strict_contrast_holds_large_text_to_the_normal_ratio(page: Any) -> None:
    # #8a8a8a on white is 3.45:1: enough for large text (3:1), not for normal text (4.5:1).
    page.set_content(
        '<html lang="zh-CN"><head><title>对比度</title></head><body><main>'
        '<h1 style="font-size:32px;color:#8a8a8a">大号文字的对比度</h1>'
        '<p style="font-size:16px;color:#505a5f">正常文字</p></main></body></html>'
    )

    def contrast_failures(contrast: str) -> list[str]:
        return [v["id"] for v in axe_violations(page, contrast=contrast) if v["id"] == "color-contrast"]

    assert contrast_failures("standard") == []
    assert contrast_failures("strict") == ["color-contrast"]
    assert contrast_failures("off") == []
    page.evaluate("() => { document.querySelector('p').style.color = '#9a9a9a'; }")
    assert contrast_failures("standard") == ["color-contrast"]
    assert contrast_failures("off") == []


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("name", list(PAGES))
def test_no_horizontal_scroll_at_320px(page: Any, base_url: str, mode: str, name: str) -> None:
    _open(page, base_url, mode, PAGES[name])
    page.set_viewport_size({"width": 320, "height": 640})
    widths = page.evaluate("() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    assert widths[0] <= widths[1], f"page is {widths[0]} px wide in a {widths[1]} px viewport"


@pytest.mark.parametrize("mode", MODES)
def test_empty_login_shows_focused_error_summary(page: Any, base_url: str, mode: str) -> None:
    _open(page, base_url, mode, "/accounts/login/")
    page.get_by_role("button", name="登录").click()
    page.wait_for_load_state()
    assert page.title().startswith("错误：登录")
    summary = page.locator(".govuk-error-summary")
    assert summary.evaluate("element => element === document.activeElement")
    links = summary.locator("a")
    assert links.all_inner_texts() == ["请输入手机号码或用户名", "请输入密码"]
    assert [link.get_attribute("href") for link in links.all()] == ["#id_username", "#id_password"]
    # The message is beside each field too.
    assert page.locator("#id_username-error").inner_text().endswith("请输入手机号码或用户名")
    # The hint (phone or user name) and the error both describe the box.
    assert page.locator("#id_username").get_attribute("aria-describedby") == "id_username-hint id_username-error"
    assert_no_axe_violations(page)
    screenshot(page, f"login-empty-{mode}")


@pytest.mark.parametrize("mode", MODES)
def test_failed_login_keeps_the_user_name_and_focuses_the_summary(page: Any, base_url: str, mode: str) -> None:
    make_user("clerk-e2e")
    _open(page, base_url, mode, "/accounts/login/")
    page.fill("#id_username", "clerk-e2e")
    page.fill("#id_password", "wrong password")
    page.get_by_role("button", name="登录").click()
    page.wait_for_load_state()
    assert page.title().startswith("错误：")
    assert page.locator(".govuk-error-summary").evaluate("element => element === document.activeElement")
    assert page.input_value("#id_username") == "clerk-e2e"
    assert page.input_value("#id_password") == ""
    assert_no_axe_violations(page)
    screenshot(page, f"login-error-{mode}")


def test_successful_login_and_logout(page: Any, base_url: str) -> None:
    make_user("citizen-e2e")
    page.goto(base_url + "/accounts/login/")
    page.fill("#id_username", "citizen-e2e")
    page.fill("#id_password", "test-password-123")
    page.get_by_role("button", name="登录").click()
    page.wait_for_load_state()
    assert page.get_by_role("button", name="退出登录").is_visible()
    assert page.get_by_role("link", name="登录").count() == 0
    assert_no_axe_violations(page)
    page.get_by_role("button", name="退出登录").click()
    page.wait_for_load_state()
    assert page.get_by_role("link", name="登录").first.is_visible()


def test_skip_link_is_the_first_tab_stop_and_focus_is_visible(page: Any, base_url: str) -> None:
    page.goto(base_url + "/")
    page.keyboard.press("Tab")
    focused = page.evaluate(
        "() => { const e = document.activeElement; const s = getComputedStyle(e); const r = e.getBoundingClientRect();"
        " return {cls: e.className, href: e.getAttribute('href'), bg: s.backgroundColor, w: r.width, h: r.height}; }"
    )
    assert "govuk-skip-link" in focused["cls"]
    assert focused["href"] == "#main-content"
    assert focused["w"] > 1, "the focused skip link must be visible"
    assert focused["h"] > 1, "the focused skip link must be visible"
    assert focused["bg"] == "rgb(255, 221, 0)", "focus is shown with the yellow focus colour"
    page.keyboard.press("Enter")
    assert page.evaluate("() => document.activeElement.id") == "main-content"
    # The next stops are the header controls, each with a visible focus style.
    page.keyboard.press("Tab")
    style = page.evaluate("() => getComputedStyle(document.activeElement).backgroundColor")
    assert style == "rgb(255, 221, 0)"


def test_elderly_mode_persists_and_enlarges_text(page: Any, base_url: str) -> None:
    page.goto(base_url + "/")
    normal = page.evaluate("() => parseFloat(getComputedStyle(document.querySelector('.govuk-body')).fontSize)")
    assert normal >= 16
    enable_elderly_mode(page, base_url)
    for path in ("/catalogue/", "/accounts/login/", "/"):
        page.goto(base_url + path)
        assert "portal-elderly" in (page.locator("body").get_attribute("class") or "")
        metrics = page.evaluate(
            "() => { const b = getComputedStyle(document.body); const p = getComputedStyle(document.querySelector('.govuk-body'));"
            " return {body: parseFloat(b.fontSize), text: parseFloat(p.fontSize), lh: parseFloat(p.lineHeight)}; }"
        )
        assert metrics["body"] >= 18
        assert metrics["text"] >= 18
        assert metrics["lh"] >= 1.5 * metrics["text"] - 0.01
    # Targets at least 44 x 44 px.
    sizes = page.evaluate(
        "() => Array.from(document.querySelectorAll('button, .govuk-button, .govuk-service-navigation__link'))"
        ".filter(e => e.offsetParent !== null).map(e => { const r = e.getBoundingClientRect(); return [e.textContent.trim(), r.width, r.height]; })"
    )
    small = [size for size in sizes if size[1] < 44 or size[2] < 44]
    assert not small, f"targets smaller than 44 x 44 px: {small}"
    # And it can be switched off again.
    page.get_by_role("button", name="标准版").click()
    page.wait_for_load_state()
    assert "portal-elderly" not in (page.locator("body").get_attribute("class") or "")


def test_language_switch_to_english_and_back(page: Any, base_url: str) -> None:
    page.goto(base_url + "/catalogue/")
    page.get_by_role("button", name="English").click()
    page.wait_for_load_state()
    assert page.url.endswith("/catalogue/")
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.title().endswith("Credit archive portal")
    assert_no_axe_violations(page)
    page.get_by_role("button", name="简体中文").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "zh-hans"
