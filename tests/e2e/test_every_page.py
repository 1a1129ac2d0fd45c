"""Every page each demo role reaches, in Chromium: desktop and 390 px, normal and 长辈版.

One test per role: the demo data is loaded, every page the role reaches is found by
following links with the Django test client (tests/page_crawl.py: at most two pages per
URL shape, the same pages the text scan in tests/test_page_text.py reads), then one
browser context per mode (reusing the session's browser) visits each:
- axe (WCAG 2.1 A/AA, 2.2 AA): 0 violations, at desktop width and at 390 px. Text
  contrast, nearly all of axe's time, is checked at desktop width with every text held to
  4.5:1 (large text too, where WCAG asks 3:1): what passes that passes at the phone's
  smaller type, and no style the pages use changes a colour by width
  (tests/credit_portal/test_static_css.py). At 390 px the rule runs on each mode's first
  page, for what only a phone shows (the menu button); on the rest, every other rule;
- no console error and no uncaught script error (GOV.UK components report start-up
  failures as errors: static/js/portal.mjs);
- no horizontal scroll at 390 px (a wide table scrolls inside its own box), and at
  desktop width no table scrolls even inside its box: a column out of sight on a desktop
  screen is one nobody reads (the query log's result column once was);
- on the phone the 菜单 button shows, opens and closes the menu (checked once per role).
Runtime stays bounded because the crawl folds pages of one shape; screenshots of each role's start page go to
test-artifacts/screenshots/every-page-*.

The staff roles are checked here, the public's (the people outside government) in
test_every_page_public.py with the same check: xdist's --dist loadfile runs a file on one
worker, and one file for every role (≈ 750 s of the SQLite pass) kept one worker busy for
minutes after the other had finished.
"""

from __future__ import annotations

import os
from io import StringIO
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client

from credit_portal.context_processors import ELDERLY_COOKIE
from tests.e2e.conftest import DESKTOP, axe_violations, screenshot, settle
from tests.page_crawl import ROLE_STARTS, crawl

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

PHONE_390 = {"width": 390, "height": 844}
MODES = ("normal", "elderly")
# Checked in test_every_page_public.py; every other role (a new one too) here.
PUBLIC_ROLES = ("anonymous", "demo_citizen", "demo_institution")
STAFF_ROLES = tuple(role for role in ROLE_STARTS if role not in PUBLIC_ROLES)
# Only on the SQLite run, for both files.
ONCE = pytest.mark.skipif(
    bool(os.environ.get("DATABASE_URL")),
    reason="pages render the same on either database: the page pass runs once, on the SQLite run",
)


def _pages_for(role: str) -> tuple[Client, list[str]]:
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-CN")
    if role != "anonymous":
        client.force_login(get_user_model().objects.get(username=role))

    def fetch(path: str) -> tuple[int, str]:
        response = client.get(path, follow=True)
        html = response.content.decode() if "text/html" in response.get("Content-Type", "") else ""
        return response.status_code, html

    pages = crawl(fetch, ROLE_STARTS[role])
    # Pages the role may not open (the home page links every audience's start page) are
    # the permission tests' business; here only what the role can use is checked.
    return client, [page.path for page in pages if page.html and page.status in (200, 404)]


def _axe(page: Any, contrast: str) -> list[str]:
    return [
        f"{violation['id']} ({violation['impact']}): {', '.join(map(str, violation['nodes'][0]['target']))}"
        for violation in axe_violations(page, contrast=contrast)
    ]


def _check_menu_toggle(page: Any) -> list[str]:
    toggle = page.locator(".govuk-service-navigation__toggle")
    if toggle.count() == 0:
        return []
    if not toggle.is_visible():
        return ["the menu button is not shown on the phone"]
    menu = page.locator("#navigation")
    problems = []
    if menu.is_visible():
        problems.append("the menu is open before the menu button is pressed")
    toggle.click()
    if not menu.is_visible() or toggle.get_attribute("aria-expanded") != "true":
        problems.append("the menu button does not open the menu")
    toggle.click()
    if menu.is_visible():
        problems.append("the menu button does not close the menu")
    return problems


@ONCE
@pytest.mark.parametrize("role", STAFF_ROLES)
def test_every_page_of_each_role_in_both_modes_and_widths(browser: Any, live_server: Any, role: str) -> None:
    check_every_page(browser, live_server, role)


def check_every_page(browser: Any, live_server: Any, role: str) -> None:
    """Every page ``role`` reaches, in both modes and widths (the module's docstring)."""
    call_command("load_demo_data", stdout=StringIO())
    client, paths = _pages_for(role)
    assert len(paths) >= 3, paths
    problems: list[str] = []
    host = live_server.url.split("//", 1)[1].split(":")[0]
    for mode in MODES:
        context = browser.new_context(viewport=DESKTOP, base_url=live_server.url, locale="zh-CN")
        context.set_default_timeout(15_000)
        cookies = [{"name": ELDERLY_COOKIE, "value": "1", "domain": host, "path": "/"}] if mode == "elderly" else []
        if "sessionid" in client.cookies:
            cookies.append({"name": "sessionid", "value": client.cookies["sessionid"].value, "domain": host, "path": "/"})
        if cookies:
            context.add_cookies(cookies)
        page = context.new_page()
        console: list[str] = []
        page.on("console", lambda message, errors=console: errors.append(message.text) if message.type == "error" else None)
        page.on("pageerror", lambda error, errors=console: errors.append(str(error)))
        menu_checked = False
        for path in paths:
            where = f"{mode} {path}"
            page.set_viewport_size(DESKTOP)
            response = page.goto(live_server.url + path)
            expected_error = response is not None and response.status == 404
            if response is None or (response.status >= 400 and not expected_error):
                problems.append(f"{where}: answered {response.status if response else 'nothing'}")
                continue
            # Django's admin keeps its own stylesheets, which do change colours by width (and
            # give its large heading the 3:1 large text may have): checked as is at both widths.
            admin = path.startswith("/admin/")
            hidden = page.evaluate(
                "() => [...document.querySelectorAll('.portal-table-wrapper')]"
                ".filter(w => w.scrollWidth > w.clientWidth).map(w => w.getAttribute('aria-label'))"
            )
            problems.extend(f"{where} desktop: the table {label!r} scrolls sideways" for label in hidden)
            problems.extend(f"{where} desktop: {line}" for line in _axe(page, "standard" if admin else "strict"))
            page.set_viewport_size(PHONE_390)
            settle(page)
            widths = page.evaluate("() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]")
            if widths[0] > widths[1]:
                problems.append(f"{where} 390 px: the page scrolls sideways ({widths[0]} px in {widths[1]} px)")
            contrast = "standard" if admin or not menu_checked else "off"
            problems.extend(f"{where} 390 px: {line}" for line in _axe(page, contrast))
            if not menu_checked:
                problems.extend(f"{where} 390 px: {line}" for line in _check_menu_toggle(page))
                menu_checked = True
                screenshot(page, f"every-page-{role}-{mode}-phone")
            if expected_error:
                # The browser logs the 404 of the document itself; nothing else may fail.
                console[:] = [text for text in console if "404" not in text]
            problems.extend(f"{where}: console error: {text}" for text in console)
            console.clear()
        context.close()
    assert not problems, f"{len(problems)} problem(s) for {role}:\n" + "\n".join(problems)
