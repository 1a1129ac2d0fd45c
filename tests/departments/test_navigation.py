"""The navigation offers the administration link exactly when the admin site lets the
user in: the flag is the admin site's own rule, not a check of its own in the template."""

from __future__ import annotations

import pytest
from django.test import RequestFactory

from credit_portal.roles import Role
from departments.context_processors import navigation
from tests.factories import make_user

pytestmark = pytest.mark.django_db


def _nav(user: object) -> dict[str, object]:
    request = RequestFactory().get("/")
    request.user = user
    return navigation(request)["nav"]


def test_a_staff_account_is_offered_the_administration() -> None:
    assert _nav(make_user(is_staff=True, roles=(Role.SYSTEM_ADMIN,)))["administration"] is True


def test_a_citizen_and_a_clerk_are_not_offered_the_administration() -> None:
    assert _nav(make_user(roles=(Role.CITIZEN,)))["administration"] is False
    assert _nav(make_user(roles=(Role.DEPARTMENT_CLERK,)))["administration"] is False
