"""The pages each demo role reaches, found by following links from the role's start pages.

Shared by the text scan (tests/test_page_text.py, Django test client) and the browser pass
(tests/e2e/test_every_page.py). A crawl follows same-site links in <a href>, never forms
(nothing is changed), skips downloads, the admin's deeper pages, sign-out and language
switches, and keeps at most `PER_PATTERN` pages per URL shape (numbers and codes folded),
so fifty records do not make fifty visits.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from html.parser import HTMLParser
from urllib.parse import urldefrag, urljoin, urlsplit

# Demo accounts (credit_portal/demo.py and the apps' demo modules) and where each starts.
ROLE_STARTS: dict[str, tuple[str, ...]] = {
    "anonymous": (
        "/", "/catalogue/", "/accounts/login/", "/register/", "/reports/verify/", "/public/dishonesty/",
        "/public/honours/", "/no-such-page/", "/api/docs/",
    ),
    "demo_citizen": ("/", "/my/", "/repair/my/", "/my/authorizations/new/", "/my/authorizations/new/?q=示范"),
    "demo_institution": ("/", "/institution/", "/institution/query/", "/institution/request/"),
    "demo_education_clerk": ("/", "/staff/", "/repair/department/"),
    "demo_education_reviewer": ("/", "/staff/", "/staff/review/"),
    "demo_credit_office": (
        "/", "/repair/office/", "/repair/office/?stage=objection_submitted", "/exchange/operations/",
        "/catalogue/coverage/", "/staff/units/",
    ),
    "demo_auditor": ("/", "/admin/"),
}
PER_PATTERN = 2
MAX_PAGES = 60
SKIP = re.compile(
    r"^/(static|media|i18n|healthz|api/|accounts/logout|elderly-mode|register/sso|repair/files)"
    r"|^/admin/.+"  # the admin's own pages: Django's, for superusers and auditors
    r"|\.(xlsx|pdf|csv|json|png|jpe?g)$|/(export|download|pdf|evidence/[^/]+)/?$"
)
_SHAPE = re.compile(r"\d+|[0-9a-f]{8}-[0-9a-f-]{27}|[A-Z0-9]{4}(-[A-Z0-9]{4})+")


@dataclass(frozen=True)
class Page:
    path: str
    status: int
    html: str


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            href = dict(attrs).get("href")
            if href:
                self.hrefs.append(href)


def links(html: str, base: str) -> list[str]:
    """Same-site paths linked from `html` (served at `base`) that a crawl may visit."""
    parser = _Links()
    parser.feed(html)
    found = []
    for href in parser.hrefs:
        url, _fragment = urldefrag(urljoin(base, href))
        parts = urlsplit(url)
        if parts.scheme not in ("", "http", "https") or parts.netloc.split(":")[0] not in ("", "testserver", "127.0.0.1", "localhost"):
            continue
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        if parts.path and not SKIP.search(parts.path):
            found.append(path)
    return found


def shape(path: str) -> str:
    return _SHAPE.sub("#", path.split("?")[0])


def crawl(fetch: Callable[[str], tuple[int, str]], starts: Iterable[str], *, limit: int = MAX_PAGES) -> list[Page]:
    """Breadth first from `starts`; `fetch(path)` returns (status, html), html "" when not HTML."""
    queue = list(starts)
    seen: set[str] = set()
    per_shape: dict[str, int] = {}
    pages: list[Page] = []
    while queue and len(pages) < limit:
        path = queue.pop(0)
        if path in seen:
            continue
        seen.add(path)
        key = shape(path)
        if per_shape.get(key, 0) >= PER_PATTERN:
            continue
        per_shape[key] = per_shape.get(key, 0) + 1
        status, html = fetch(path)
        pages.append(Page(path, status, html))
        if status == 200 and html:
            queue.extend(link for link in links(html, path) if link not in seen)
    return pages
