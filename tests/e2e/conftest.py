"""Browser test infrastructure: Debian's Chromium driven by Playwright's sync API.

- `browser` (session) and `page` (per test) fixtures; never `playwright install`: the
  system browser at /usr/bin/chromium is used, and the tests skip with a message when it
  is missing (install it with `apt-get install chromium fonts-noto-cjk`).
- `assert_no_axe_violations(page)`: axe-core (bundled by axe-playwright-python, nothing
  downloads) with the WCAG 2.1 A/AA and 2.2 AA rules; fails with a readable list.
- `screenshot(page, name)`: saves to test-artifacts/screenshots/ (ignored by git).
- `enable_elderly_mode(page, base_url)`: switches 长辈版 on through the header button.
- The page fails the test on any browser console error (a CSP violation included).

Every test here is marked `browser` and runs against pytest-django's `live_server`.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

# Playwright's sync API runs an event loop in the test thread; Django's ORM refuses to
# run there unless told it is safe (the live server answers from its own thread).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 375, "height": 740}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.browser)
            if not CHROMIUM.exists():
                item.add_marker(pytest.mark.skip(
                    reason=f"browser tests need Chromium at {CHROMIUM}: apt-get install chromium fonts-noto-cjk"
                ))


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        yield chromium
        chromium.close()


@pytest.fixture
def base_url(live_server: Any) -> str:
    return live_server.url


@pytest.fixture
def page(browser: Any, base_url: str) -> Iterator[Any]:
    # A Chinese browser, as the portal's users have (LocaleMiddleware follows Accept-Language).
    context = browser.new_context(viewport=DESKTOP, base_url=base_url, locale="zh-CN")
    context.set_default_timeout(10_000)
    page = context.new_page()
    errors: list[tuple[str, str]] = []
    documents_with_error_status: set[str] = set()
    page.on("console", lambda m: errors.append((m.text, m.location.get("url", ""))) if m.type == "error" else None)
    page.on("pageerror", lambda error: errors.append((str(error), "")))
    page.on(
        "response",
        lambda r: documents_with_error_status.add(r.url) if r.request.resource_type == "document" and r.status >= 400 else None,
    )
    yield page
    context.close()
    # A page deliberately answered with 404/403 logs "failed to load resource" for itself;
    # every other console error (a CSP violation, a script error, a missing asset) fails.
    real = [text for text, url in errors if url not in documents_with_error_status]
    assert not real, "browser console errors:\n" + "\n".join(real)


@pytest.fixture
def phone(page: Any) -> Any:
    """The same page at a phone's width (375 px)."""
    page.set_viewport_size(PHONE)
    return page


def assert_no_axe_violations(page: Any) -> None:
    """Run axe-core's WCAG 2.1 A/AA and 2.2 AA rules on the page; fail listing each violation."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(
        page,
        options={"runOnly": {"type": "tag", "values": AXE_TAGS}, "resultTypes": ["violations"]},
    )
    violations = results.response["violations"]
    if violations:
        lines = [f"{len(violations)} axe violation(s) on {page.url}:"]
        for violation in violations:
            lines.append(f"- {violation['id']} ({violation['impact']}): {violation['help']}")
            for node in violation["nodes"][:5]:
                lines.append(f"    {', '.join(map(str, node['target']))}: {node['failureSummary'].splitlines()[-1].strip()}")
        pytest.fail("\n".join(lines))


def screenshot(page: Any, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{re.sub(r'[^a-z0-9_-]+', '-', name.lower())}.png"
    page.screenshot(path=str(path), full_page=True, timeout=60_000)
    return path


def enable_elderly_mode(page: Any, base_url: str) -> None:
    """Switch 长辈版 on with the header button, as a user would; the cookie keeps it on."""
    page.goto(base_url + "/")
    page.locator("form[action='/elderly-mode/'] button[name='enable'][value='1']").click()
    page.wait_for_load_state()
    assert "portal-elderly" in (page.locator("body").get_attribute("class") or "")
