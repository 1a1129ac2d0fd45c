"""长辈版 on the citizen's pages uses plainer words (credit_portal.plain_words), from the same
templates: every citizen page the demo citizen reaches is rendered in both modes, and
wherever the usual page shows a technical phrase that has a plain wording (a heading, a
link, a label: a whole text node), the elderly page shows the plain wording instead."""

from __future__ import annotations

import re
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client
from django.utils import translation

from credit_portal.context_processors import ELDERLY_COOKIE
from credit_portal.plain_words import PLAIN
from tests.page_crawl import ROLE_STARTS, crawl
from tests.test_page_text import _VisibleText

pytestmark = pytest.mark.django_db

CITIZEN_PAGES = re.compile(r"^/(my|repair/my)/")


def _client(elderly: bool) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-CN")
    client.force_login(get_user_model().objects.get(username="demo_citizen"))
    if elderly:
        client.cookies[ELDERLY_COOKIE] = "1"
    return client


def _fetcher(client: Client):  # type: ignore[no-untyped-def]
    def fetch(path: str) -> tuple[int, str]:
        response = client.get(path, follow=True)
        html = response.content.decode() if "text/html" in response.get("Content-Type", "") else ""
        return response.status_code, html

    return fetch


def _phrases(html: str) -> list[str]:
    """The page's visible text, one entry per text node (a heading, a link, a label)."""
    parser = _VisibleText()
    parser.feed(html)
    return [" ".join(part.split()) for part in parser.title + parser.parts if part.strip()]


def test_the_plain_wording_differs_from_the_usual_one_in_chinese() -> None:
    with translation.override("zh-hans"):
        for usual, plain in PLAIN.items():
            assert translation.gettext(usual) != str(plain), usual
            assert re.search(r"[\u4e00-\u9fff]", str(plain)), f"{plain} is not translated"


def test_each_citizen_page_in_elderly_mode_uses_the_plain_words() -> None:
    call_command("load_demo_data", stdout=StringIO())
    usual_client, elderly_client = _client(elderly=False), _client(elderly=True)
    pages = [p for p in crawl(_fetcher(usual_client), ROLE_STARTS["demo_citizen"]) if CITIZEN_PAGES.match(p.path) and p.html]
    assert len(pages) >= 8, [p.path for p in pages]
    with translation.override("zh-hans"):
        pairs = [(translation.gettext(usual), str(plain)) for usual, plain in PLAIN.items()]
    problems = []
    for page in pages:
        usual_text = _phrases(page.html)
        elderly_text = _phrases(elderly_client.get(page.path, follow=True).content.decode())
        used = 0
        for technical, plain in pairs:
            if technical in usual_text:
                if plain not in elderly_text or elderly_text.count(technical) >= usual_text.count(technical):
                    problems.append(f"{page.path}: 长辈版 still says “{technical}” instead of “{plain}”")
            used += plain in elderly_text
        if not used:
            problems.append(f"{page.path}: no plain wording in 长辈版")
    assert not problems, "\n".join(problems)
