"""Hostile query strings on admin list pages: the list again with a message, never a 500."""

from __future__ import annotations

import pytest
from django.test import Client

from credit_portal.models import User
from credit_portal.roles import Role
from tests import factories as f

pytestmark = pytest.mark.django_db
LIST = "/admin/credit_portal/auditentry/"


@pytest.fixture
def client_() -> Client:
    client = Client(raise_request_exception=False)
    client.force_login(f.make_user("the-auditor", roles=(Role.AUDITOR,), is_staff=True))
    return client


@pytest.mark.parametrize(("query", "message"), [
    ({"q": "长" * 100_000}, "搜索内容过长：最多200个字符。"),
    ({"q": "a\x00b"}, "含有无法使用的字符"),
    ({"action__exact": "x" * 5000}, "搜索内容过长"),
    ({"created_at__year": "99999999999999999999"}, "筛选条件中的日期不存在"),
    ({"created_at__year": "2024", "created_at__month": "99999999999999999999"}, "筛选条件中的日期不存在"),
    ({"created_at__year": "２０２４"}, "筛选条件中的日期不存在"),
])
def test_a_hostile_search_gets_the_list_back_with_a_message(client_, query, message) -> None:
    response = client_.get(LIST, query)
    assert response.status_code == 302
    assert response["Location"] == LIST
    page = client_.get(response["Location"])
    assert page.status_code == 200
    assert message in page.content.decode()


@pytest.mark.parametrize("query", [
    {"q": "123"}, {"created_at__year": "2024", "created_at__month": "2", "created_at__day": "30"},
    {"sequence__exact": "99999999999999999999"}, {"o": "99999999999999999999"}, {"p": "99999999999999999999"},
])
def test_ordinary_and_odd_filters_never_answer_5xx(client_, query) -> None:
    assert client_.get(LIST, query).status_code < 500


def test_anonymous_visitors_still_go_to_sign_in_first() -> None:
    response = Client().get(LIST, {"q": "长" * 1000})
    assert response.status_code == 302
    assert "/login/" in response["Location"]
    assert User.objects.count() == 0


@pytest.mark.parametrize("value", ["99999999999999999999", "<script>", "a\x00b", "２", "长" * 100_000, "-1"])
def test_a_hostile_related_object_choice_is_a_field_error(value) -> None:
    """The membership form's account (a raw id box) and department (an autocomplete select)."""
    from departments.models import Department, Membership

    department = f.department("edu")
    security_admin = f.make_user("sec-admin", roles=(Role.SECURITY_ADMIN,), is_staff=True)
    client = Client(raise_request_exception=False)
    client.force_login(security_admin)
    for data in ({"user": value, "department": department.pk, "role": "clerk"},
                 {"user": f.make_user().pk, "department": value, "role": "clerk"}):
        response = client.post("/admin/departments/membership/add/", data)
        assert response.status_code == 200
        assert "errornote" in response.content.decode()
    assert not Membership.objects.exists()
    assert Department.objects.filter(pk=department.pk).exists()
