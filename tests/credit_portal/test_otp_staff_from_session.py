"""Who must use the second factor is decided from the access the session keeps
(departments.scope), not from two queries a request; every change of a role group,
membership or department still takes effect on the next request."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext

from credit_portal.prepared import source
from credit_portal.roles import Role
from departments.models import Department, Membership
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _otp_on(settings):
    settings.STAFF_OTP_REQUIRED = True


def _sent_to_second_factor(response) -> bool:
    return response.status_code == 302 and response["Location"].startswith("/accounts/otp/")


def _reads_access(captured: CaptureQueriesContext) -> bool:
    return any(
        'FROM "departments_membership"' in source(q["sql"]) or '"credit_portal_user_groups"' in source(q["sql"])
        for q in captured.captured_queries
    )


def test_a_citizens_later_request_reads_no_role_or_membership(client):
    client.force_login(f.make_user(roles=(Role.CITIZEN,)))
    assert not _sent_to_second_factor(client.get("/my/"))
    with CaptureQueriesContext(connection) as captured:
        assert not _sent_to_second_factor(client.get("/my/"))
    assert not _reads_access(captured)


def test_a_member_of_a_retired_department_only_still_needs_the_second_factor(client):
    """A retired department gives no scope, but its member is staff all the same: the
    department may come back, and the safe answer is the second factor."""
    department = Department.objects.get(code="education")
    user = f.make_user()  # no role group: the membership alone makes them staff
    Membership.objects.create(user=user, department=department, role=Membership.Role.CLERK)
    department.is_active = False
    department.save()
    client.force_login(user)
    assert _sent_to_second_factor(client.get("/my/"))
    assert _sent_to_second_factor(client.get("/my/"))  # from the access the session keeps


def test_a_department_retired_during_the_session_still_needs_the_second_factor(client):
    department = Department.objects.get(code="education")
    user = f.make_user()
    Membership.objects.create(user=user, department=department, role=Membership.Role.CLERK)
    client.force_login(user)
    assert _sent_to_second_factor(client.get("/my/"))
    department.is_active = False
    department.save()
    assert _sent_to_second_factor(client.get("/my/"))
    assert _sent_to_second_factor(client.get("/my/"))


def test_a_membership_granted_during_the_session_takes_effect_on_the_next_request(client):
    user = f.make_user(roles=(Role.CITIZEN,))
    client.force_login(user)
    assert not _sent_to_second_factor(client.get("/my/"))
    assert not _sent_to_second_factor(client.get("/my/"))
    Membership.objects.create(user=user, department=Department.objects.get(code="education"),
                              role=Membership.Role.CLERK)
    assert _sent_to_second_factor(client.get("/my/"))


@pytest.mark.parametrize("role", [Role.CREDIT_OFFICE, Role.AUDITOR, Role.SECURITY_ADMIN, Role.SYSTEM_ADMIN,
                                  Role.DEPARTMENT_CLERK, Role.DEPARTMENT_REVIEWER])
def test_a_staff_role_granted_during_the_session_takes_effect_on_the_next_request(client, role):
    user = f.make_user(roles=(Role.CITIZEN,))
    client.force_login(user)
    assert not _sent_to_second_factor(client.get("/my/"))
    assert not _sent_to_second_factor(client.get("/my/"))
    user.groups.add(Group.objects.get_or_create(name=str(role))[0])
    assert _sent_to_second_factor(client.get("/my/"))


def test_is_staff_set_during_the_session_takes_effect_on_the_next_request(client):
    user = f.make_user(roles=(Role.CITIZEN,))
    client.force_login(user)
    assert not _sent_to_second_factor(client.get("/my/"))
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    assert _sent_to_second_factor(client.get("/my/"))


def test_an_institution_needs_no_second_factor(client):
    client.force_login(f.make_user(roles=(Role.INSTITUTION,)))
    assert not _sent_to_second_factor(client.get("/"))
    assert not _sent_to_second_factor(client.get("/"))


def test_access_saved_before_retired_memberships_were_kept_is_read_again(client):
    """A session saved by the earlier code holds memberships without the retired ones:
    not trusted, so a retired department's member is not taken for a citizen."""
    from departments.scope import SESSION_KEY

    department = Department.objects.get(code="education")
    user = f.make_user()
    Membership.objects.create(user=user, department=department, role=Membership.Role.CLERK)
    department.is_active = False
    department.save()
    user.refresh_from_db()
    client.force_login(user)
    session = client.session
    session[SESSION_KEY] = {"user": user.pk, "version": user.access_version, "roles": [], "memberships": []}
    session.save()
    assert _sent_to_second_factor(client.get("/my/"))
