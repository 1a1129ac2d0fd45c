"""Browser test infrastructure: Debian's Chromium driven by Playwright's sync API.

- `browser` (session) and `page` (per test) fixtures; never `playwright install`: the
  system browser at /usr/bin/chromium is used, and the tests skip with a message when it
  is missing (install it with `apt-get install chromium fonts-noto-cjk`).
- `assert_no_axe_violations(page)`: axe-core (bundled by axe-playwright-python, nothing
  downloads) with the WCAG 2.1 A/AA and 2.2 AA rules; fails with a readable list.
  `axe_violations(page, contrast=...)` is the run under it, for the every-page crawl.
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


# How axe checks text contrast (WCAG 1.4.3): "standard" is the criterion itself, 4.5:1, or
# 3:1 for large text (18 pt, or 14 pt bold); "strict" holds every text to 4.5:1, so text
# that passes it passes at any size the page may take; "off" skips the rule.
CONTRAST = ("standard", "strict", "off")
_AXE_RUN = """async ([tags, contrast]) => {
    const options = {runOnly: {type: "tag", values: tags}, resultTypes: ["violations"]};
    if (contrast === "off") {
        options.rules = {"color-contrast": {enabled: false}};
    } else if (contrast === "strict") {
        // No text counts as large: the rule's own options, with the large sizes out of reach.
        const own = axe._audit.checks["color-contrast"].options;
        options.checks = {"color-contrast": {options: {...own, largeTextPt: 10000, boldTextPt: 10000}}};
    }
    return (await axe.run(document, options)).violations;
}"""


def axe_violations(page: Any, *, contrast: str = "standard") -> list[dict[str, Any]]:
    """axe-core's WCAG 2.1 A/AA and 2.2 AA rules on the page as it is now; the violations.

    axe is injected once per document (a second run on the same document reuses it).
    """
    from axe_playwright_python.sync_playwright import Axe

    if contrast not in CONTRAST:
        raise ValueError(f"contrast must be one of {CONTRAST}, not {contrast!r}")
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(Axe().axe_script)
    return page.evaluate(_AXE_RUN, [AXE_TAGS, contrast])


def assert_no_axe_violations(page: Any, *, contrast: str = "standard") -> None:
    """Run axe-core's WCAG 2.1 A/AA and 2.2 AA rules on the page; fail listing each violation."""
    violations = axe_violations(page, contrast=contrast)
    if violations:
        lines = [f"{len(violations)} axe violation(s) on {page.url}:"]
        for violation in violations:
            lines.append(f"- {violation['id']} ({violation['impact']}): {violation['help']}")
            for node in violation["nodes"][:5]:
                lines.append(f"    {', '.join(map(str, node['target']))}: {node['failureSummary'].splitlines()[-1].strip()}")
        pytest.fail("\n".join(lines))


def settle(page: Any) -> None:
    """Wait two animation frames: the page's own resize handling (static/js/portal.mjs marks
    the tables that now scroll) has run, and what is measured next is what a person sees."""
    page.evaluate("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")


# A screenshot shows the page's first 8,000 px (about nine screens), which is as far as
# anyone reads one. The catalogue runs to 66,000 px: a whole-page shot of it took 4.5 s at
# desktop width and 1.9 s on the phone, four times in tests/e2e/test_pages.py; the first
# 8,000 px take 0.5 s.
SCREENSHOT_MAX_HEIGHT = 8000


def screenshot(page: Any, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{re.sub(r'[^a-z0-9_-]+', '-', name.lower())}.png"
    width, height = page.evaluate(
        "() => [document.documentElement.scrollWidth, document.documentElement.scrollHeight]"
    )
    clip = {"x": 0, "y": 0, "width": width, "height": SCREENSHOT_MAX_HEIGHT} if height > SCREENSHOT_MAX_HEIGHT else None
    page.screenshot(path=str(path), full_page=True, clip=clip, timeout=60_000)
    return path


def enable_elderly_mode(page: Any, base_url: str) -> None:
    """Switch 长辈版 on with the header button, as a user would; the cookie keeps it on."""
    page.goto(base_url + "/")
    page.locator("form[action='/elderly-mode/'] button[name='enable'][value='1']").click()
    page.wait_for_load_state()
    assert "portal-elderly" in (page.locator("body").get_attribute("class") or "")
