"""What a non-developer reads: no English, internal references, hashes, UUIDs or half-width
punctuation in Chinese text, on every page each demo role reaches.

The demo data is loaded, each role signs in (the Django test client), and the pages it
reaches by following links from its start pages (tests/page_crawl.py) are rendered in
Chinese. The visible text (no <script>, <style>, attribute values or the English
language-switch button) is scanned. The allow-list is short and says why for each entry.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from tests.page_crawl import ROLE_STARTS, crawl

pytestmark = pytest.mark.django_db

# Latin words a Chinese reader meets as they are: file types, the unit MB, a key's name as
# printed on the keyboard (Ctrl+P).
ALLOWED_WORDS = {"PDF", "PNG", "JPEG", "Excel", "MB", "Ctrl"}
CJK = "\u3400-\u4dbf\u4e00-\u9fff"
# Reference numbers and codes the reader copies (YY-20261128-1DD235, ABCD-EFGH-JKMN) and the
# names of files people uploaded are data, not wording.
CODES_AND_FILES = re.compile(r"\b[A-Z0-9]+(?:-[A-Z0-9]+)+\b|\b[A-Z]{2}\d{6,}\b|[\w.（）()-]+\.(?:pdf|png|jpe?g|xlsx)\b")
CHECKS: dict[str, re.Pattern[str]] = {
    "English word": re.compile(r"(?<![\w-])[A-Za-z][A-Za-z']+(?![\w-])"),
    "internal reference": re.compile(r"\d{3}\s*号文|§|\bseed\b|\bissue\b|000\s*000|#\d+", re.IGNORECASE),
    "hex hash": re.compile(r"\b[0-9a-f]{16,}\b", re.IGNORECASE),
    "UUID": re.compile(r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b", re.IGNORECASE),
    "half-width punctuation next to Chinese": re.compile(
        rf"[{CJK}]\s*[,:;!?()]|[,:;!?(]\s*[{CJK}]|[{CJK}]\s*\.(?!\d)"
    ),
}


# Problems still on app pages, each to be fixed in that app's templates or services (the
# owners' work, after which its line goes). Path pattern, then the problem text pattern.
# Nothing else may appear: a new page or a new string with such a problem fails the test.
KNOWN_OPEN: list[tuple[str, str]] = []


def _known_open(path: str, problem: str) -> bool:
    return any(re.search(where, path) and re.search(what, problem) for where, what in KNOWN_OPEN)


class _VisibleText(HTMLParser):
    """The text a reader sees: no script, style, template or English-only elements."""

    # <code> holds identifiers a program sends (field names, paths): not wording.
    HIDDEN = {"script", "style", "template", "noscript", "head", "code"}

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[tuple[str, bool]] = []
        self.parts: list[str] = []
        self.title: list[str] = []
        self.in_title = False

    def _skipping(self) -> bool:
        return any(skip for _tag, skip in self.stack)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "title":
            self.in_title = True
        if tag in {"br", "img", "input", "meta", "link", "hr", "wbr", "source", "col"}:
            return
        attributes = dict(attrs)
        skip = (
            tag in self.HIDDEN
            or (attributes.get("lang") or "").startswith("en")
            or "hidden" in attributes
            or attributes.get("aria-hidden") == "true"  # icons such as the warning's "!"
        )
        self.stack.append((tag, skip))

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self.in_title = False
        for index in range(len(self.stack) - 1, -1, -1):
            if self.stack[index][0] == tag:
                del self.stack[index:]
                break

    def handle_data(self, data: str) -> None:
        if self.in_title:
            self.title.append(data)
        elif not self._skipping():
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = _VisibleText()
    parser.feed(html)
    return " ".join(" ".join(parser.title + parser.parts).split())


def problems_in(text: str) -> list[str]:
    text = CODES_AND_FILES.sub(" ", text)
    found = []
    for name, pattern in CHECKS.items():
        for match in pattern.finditer(text):
            if name == "English word" and match.group() in ALLOWED_WORDS:
                continue
            context = text[max(0, match.start() - 20): match.end() + 20]
            found.append(f"{name}: {match.group()!r} in …{context}…")
    return found


@pytest.fixture
def demo(module_demo_data: object) -> None:
    """The demo data (loaded once for the module)."""


def _client_for(role: str) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-CN")
    if role != "anonymous":
        client.force_login(get_user_model().objects.get(username=role))
    return client


def _fetch(client: Client):  # type: ignore[no-untyped-def]
    def fetch(path: str) -> tuple[int, str]:
        response = client.get(path, follow=True)
        if "text/html" not in response.get("Content-Type", ""):
            return response.status_code, ""
        return response.status_code, response.content.decode()

    return fetch


def test_the_scanner_finds_what_it_looks_for() -> None:
    text = visible_text(
        "<html><head><title>标题</title><script>var english = 1;</script></head><body>"
        "<p>依据 001号文 §三(五)。负面: 一般 (编号: 1)</p><p hidden>Hidden words</p>"
        "<span>摘要 3f2a9c1e5b7d4f60a1b2</span><span>回执编号 123e4567-e89b-12d3-a456-426614174000</span>"
        "<button lang=\"en\">English</button><p>Kantara 指纹</p></body></html>"
    )
    found = " | ".join(problems_in(text))
    assert "Hidden" not in found
    assert "english" not in found
    for expected in ("internal reference: '001号文'", "internal reference: '§'", "'Kantara'", "hex hash",
                     "UUID", "half-width punctuation next to Chinese: '面:'", "half-width punctuation next to Chinese: '般 ('"):
        assert expected in found, expected
    assert not problems_in(visible_text("<p>请上传 PDF 或 JPEG 文件（不超过10 MB）。2026-11-28 10:30</p>"))


@pytest.mark.parametrize("role", list(ROLE_STARTS))
def test_pages_each_role_reaches_have_no_english_references_hashes_or_half_width_punctuation(
    demo: None, role: str
) -> None:
    pages = crawl(_fetch(_client_for(role)), ROLE_STARTS[role])
    assert len(pages) >= 3, [page.path for page in pages]
    errors = [f"{page.path} answered {page.status}" for page in pages if page.status >= 500]
    for page in pages:
        if page.html:
            errors.extend(
                f"{page.path}: {problem}" for problem in problems_in(visible_text(page.html))
                if not _known_open(page.path, problem)
            )
    assert not errors, f"{len(errors)} problem(s) on the pages of {role}:\n" + "\n".join(sorted(set(errors)))


def test_the_api_documentation_is_in_chinese_and_lists_every_operation(client: Client) -> None:
    from drf_spectacular.generators import SchemaGenerator

    response = client.get("/api/docs/", HTTP_ACCEPT_LANGUAGE="zh-CN")
    assert response.status_code == 200
    html = response.content.decode()
    for path in SchemaGenerator().get_schema(request=None, public=True)["paths"]:
        assert f"<code class=\"portal-code\">{path}</code>" in html
    assert "凭本人提供的授权码查询其信用记录（仅限查询机构）。" in html
    assert "被查询人的18位公民身份号码。" in html
    assert not problems_in(visible_text(html)), problems_in(visible_text(html))
