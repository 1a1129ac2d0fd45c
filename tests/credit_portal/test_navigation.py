"""The menu offers each kind of user the pages they may open, and nothing else."""

from __future__ import annotations

import pytest

from credit_portal.prepared import source
from credit_portal.roles import Role
from departments.models import Department, Membership
from tests import factories as f

pytestmark = pytest.mark.django_db


def _menu(client, user=None) -> str:
    if user is not None:
        client.force_login(user)
    content = client.get("/").content.decode()
    start = content.index('id="navigation"')
    return content[start : content.index("</ul>", start)]


def test_anonymous_sees_public_pages_only(client):
    menu = _menu(client)
    assert "/public/dishonesty/" in menu
    assert "/staff/" not in menu
    assert "/my/" not in menu


def test_citizen_sees_own_archive_and_repair(client):
    menu = _menu(client, f.make_user(roles=(Role.CITIZEN,)))
    assert "/my/" in menu
    assert "/repair/my/" in menu
    assert "/staff/" not in menu
    assert "/repair/office/" not in menu


def test_department_clerk_sees_archives_and_verification_but_not_the_office_queue(client):
    clerk = f.member(Department.objects.get(code="education"), Membership.Role.CLERK)
    menu = _menu(client, clerk)
    assert "/staff/" in menu
    assert "/repair/department/" in menu
    assert "/repair/office/" not in menu
    assert "/exchange/operations/" not in menu


def test_credit_office_sees_queue_and_exchange(client):
    menu = _menu(client, f.make_user(roles=(Role.CREDIT_OFFICE,)))
    assert "/repair/office/" in menu
    assert "/exchange/operations/" in menu
    assert "/staff/" in menu


def test_institution_sees_queries(client):
    menu = _menu(client, f.make_user(roles=(Role.INSTITUTION,)))
    assert "/institution/" in menu
    assert "/staff/" not in menu


def test_api_docs_are_public(client):
    assert client.get("/api/schema/").status_code == 200
    assert client.get("/api/docs/").status_code == 200


def test_city_link_follows_the_role_table_without_reading_permissions(client):
    # The city overview (coverage, yearly report, charts) is the credit office's.
    office = f.make_user(roles=(Role.CREDIT_OFFICE,))
    assert "/city/" in _menu(client, office)
    clerk = f.member(Department.objects.get(code="education"), Membership.Role.CLERK)
    assert "/city/" not in _menu(client, clerk)
    client.get("/")
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        client.get("/")
    assert not [q for q in queries.captured_queries if "auth_permission" in source(q["sql"])]


def test_the_current_page_is_marked_in_the_menu_and_only_it(client):
    """Home is current only on itself (exact); another link also below its own path."""
    home = client.get("/").content.decode()
    assert home.count('aria-current="page"') == 1
    assert 'href="/" aria-current="page"' in home
    listed = client.get("/public/dishonesty/?page=1").content.decode()
    menu = listed[listed.index('id="navigation"'):]
    menu = menu[: menu.index("</ul>")]
    assert menu.count('aria-current="page"') == 1
    assert 'href="/public/dishonesty/" aria-current="page"><strong' in menu
    assert 'href="/" aria-current' not in menu
