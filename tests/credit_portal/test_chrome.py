"""The page chrome (the document's head and body tag, header, menu, footer) is rendered once per process for each language,
mode and menu (credit_portal.chrome) and filled in per request: it must give exactly what
the templates give, and never keep what differs per request (the CSRF token, the page's
address, the current menu link) or per person."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import Group
from django.template import engines
from django.test import Client, RequestFactory
from django.utils import translation

from credit_portal import chrome
from credit_portal.context_processors import ELDERLY_COOKIE
from credit_portal.roles import Role
from departments.models import Department, Membership
from tests import factories as f

pytestmark = pytest.mark.django_db

PARTS = (
    "components/document_start.html", "components/document_head.html", "components/document_body.html",
    "components/header.html", "components/navigation.html", "components/footer.html",
)
TOKEN = "fixed-csrf-token-for-the-comparison"


def _render(user, part: str, path: str, *, language: str, elderly: bool, kept: bool) -> str:
    request = RequestFactory().get(path)
    request.user = user
    request.session = {}
    if elderly:
        request.COOKIES[ELDERLY_COOKIE] = "1"
    body = f'{{% load portal %}}{{% chrome_part "{part}" %}}' if kept else f'{{% include "{part}" %}}'
    with translation.override(language):
        return engines["django"].from_string(body).render({"csrf_token": TOKEN}, request)


def _users():
    from django.contrib.auth.models import AnonymousUser

    education = Department.objects.get(code="education")
    return {
        "anonymous": AnonymousUser(),
        "citizen": f.make_user(roles=(Role.CITIZEN,)),
        "clerk": f.member(education, Membership.Role.CLERK),
        "office": f.make_user(roles=(Role.CREDIT_OFFICE,)),
        "institution": f.make_user(roles=(Role.INSTITUTION,)),
        "superuser": f.make_user(is_superuser=True, is_staff=True),
    }


def test_kept_chrome_is_exactly_what_the_templates_render() -> None:
    chrome.forget()
    paths = ["/", "/public/dishonesty/?page=2&name=<b>\"'&x", "/staff/review/", "/my/archives/7/", "/catalogue/"]
    for name, user in _users().items():
        for language in ("zh-hans", "en"):
            for elderly in (False, True):
                for part in PARTS:
                    # The first path records the rendering; the others are filled in from it.
                    for path in paths:
                        expected = _render(user, part, path, language=language, elderly=elderly, kept=False)
                        got = _render(user, part, path, language=language, elderly=elderly, kept=True)
                        assert got == expected, (name, language, elderly, part, path)


def test_no_token_no_address_and_no_current_link_is_kept() -> None:
    chrome.forget()
    user = f.make_user(roles=(Role.CITIZEN,))
    first = _render(user, "components/header.html", "/my/?a=1", language="zh-hans", elderly=False, kept=True)
    assert TOKEN in first
    assert 'value="/my/?a=1"' in first
    for kept in chrome._kept.values():
        text = "".join(piece for piece in kept if isinstance(piece, str))
        assert TOKEN not in text
        assert "/my/?a=1" not in text
        assert 'aria-current="page"' not in text


def test_each_request_gets_its_own_working_csrf_token_in_the_chrome_forms() -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(f.make_user(roles=(Role.CITIZEN,)))
    tokens = set()
    for _ in range(2):
        page = client.get("/").content.decode()
        found = re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        # The language switch, elderly mode and sign-out forms, with the request's token
        # (one masking per request, as the template engine's lazy token gives).
        assert len(found) == 3
        assert len(set(found)) == 1
        tokens.update(found)
    assert len(tokens) == 2
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/", "csrfmiddlewaretoken": found[0]})
    assert response.status_code == 302


def test_the_menu_follows_a_granted_and_a_revoked_role_on_the_next_request(client) -> None:
    user = f.make_user(roles=(Role.CITIZEN,))
    client.force_login(user)

    def menu() -> str:
        content = client.get("/").content.decode()
        start = content.index('id="navigation"')
        return content[start : content.index("</ul>", start)]

    assert "/institution/" not in menu()
    institution = Group.objects.get(name=str(Role.INSTITUTION))
    user.groups.add(institution)
    assert "/institution/" in menu()
    user.groups.remove(institution)
    assert "/institution/" not in menu()
    citizen = Group.objects.get(name=str(Role.CITIZEN))
    citizen.user_set.remove(user)
    assert "/my/" not in menu()


def test_language_and_elderly_mode_switch_the_chrome_on_the_next_request(client) -> None:
    client.force_login(f.make_user(roles=(Role.CITIZEN,)))
    page = client.get("/").content.decode()
    assert "长辈版" in page or "Elderly" not in page
    assert 'name="enable" value="1"' in page
    client.cookies[ELDERLY_COOKIE] = "1"
    elderly = client.get("/").content.decode()
    assert 'name="enable" value="0"' in elderly
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    english = client.get("/").content.decode()
    assert "Skip to main content" in english
    assert 'lang="en"' in english
