"""No style a page uses changes a colour by screen width.

The every-page browser pass (tests/e2e/test_every_page.py) checks text contrast at desktop
width, holding every text to 4.5:1, and relies on this: a colour that changed at a phone's
width would be a colour that pass never saw. The stylesheets are read as served: the
portal's own and GOV.UK Frontend's. GOV.UK changes colours by width only in components the
portal does not use (its tabs); using one of them fails here, and then the phone's contrast
has to be checked on its own.
"""

from __future__ import annotations

import re
from pathlib import Path

from django.conf import settings

STATIC = Path(settings.BASE_DIR) / "static"
# A declaration that colours text or what is behind it (borders do not carry text).
COLOUR = re.compile(r"(?:^|;)\s*(?:color|background(?:-color|-image)?)\s*:", re.IGNORECASE)


def _width_rules(css: str) -> list[tuple[str, str]]:
    """(selector, declarations) of each rule inside an @media query on the viewport's width."""
    css = re.sub(r"/\*.*?\*/", "", css, flags=re.DOTALL)
    rules = []
    for media in re.finditer(r"@media[^{]*width[^{]*\{", css):
        depth, end = 1, media.end()
        while depth:
            depth += {"{": 1, "}": -1}.get(css[end], 0)
            end += 1
        rules += re.findall(r"([^{};]+)\{([^{}]*)\}", css[media.end() : end - 1])
    return rules


def _classes_used_by_pages() -> set[str]:
    used: set[str] = set()
    for template in Path(settings.BASE_DIR).glob("**/templates/**/*.html"):
        if ".venv" in template.parts:
            continue
        for value in re.findall(r'class="([^"]*)"', template.read_text(encoding="utf-8")):
            used.update(value.split())
    return used


def test_no_style_the_pages_use_changes_a_colour_by_screen_width() -> None:
    sheets = [path for path in STATIC.rglob("*.css") if "print" not in path.name]
    assert any("govuk-frontend" in str(path) for path in sheets), sheets
    used = _classes_used_by_pages()
    assert {"govuk-button", "govuk-table"} <= used  # the scan finds the templates' classes
    changing = []
    for sheet in sheets:
        for selector, declarations in _width_rules(sheet.read_text(encoding="utf-8")):
            if not COLOUR.search(declarations):
                continue
            classes = set(re.findall(r"\.([A-Za-z0-9_-]+)", selector)) - {"govuk-frontend-supported"}
            if not classes or classes & used:
                changing.append(f"{sheet.relative_to(STATIC)}: {selector.strip()[:120]}")
    assert not changing, "colours that change by screen width on pages the portal shows:\n" + "\n".join(changing)


def test_the_scan_finds_a_colour_that_changes_by_width() -> None:
    css = "a{color:red}@media (max-width: 40em){.govuk-button{padding:0}.portal-x{background-color:#fff}}"
    assert _width_rules(css) == [(".govuk-button", "padding:0"), (".portal-x", "background-color:#fff")]
    assert COLOUR.search("background-color:#fff")
    assert not COLOUR.search("border-color:#fff")
