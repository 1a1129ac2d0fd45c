"""Unlocking a locked-out account in the admin: the security administrator's alone, and audited."""

from __future__ import annotations

import pytest
from axes.models import AccessAttempt, AccessFailureLog
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import reverse

from credit_portal import services
from credit_portal.models import AuditEntry, User
from credit_portal.roles import Role
from tests import factories as f

pytestmark = pytest.mark.django_db
PASSWORD = "test-password-123"  # noqa: S105 - the factories' password


@pytest.fixture
def locked(settings) -> User:
    """A citizen account locked out by three wrong passwords from one address."""
    settings.AXES_FAILURE_LIMIT = 3
    user = f.make_user("citizen-handle-7q", roles=(Role.CITIZEN,))
    client = Client()
    for _ in range(3):
        client.post(reverse("login"), {"username": user.username, "password": "wrong-1"}, REMOTE_ADDR="198.51.100.9")
    assert client.post(reverse("login"), {"username": user.username, "password": PASSWORD},
                       REMOTE_ADDR="198.51.100.9").status_code == 429
    return user


def _admin(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _attempt_ids(user: User) -> list[int]:
    return list(AccessAttempt.objects.filter(username=user.username).values_list("pk", flat=True))


def test_security_admin_unlocks_in_the_admin_and_the_trail_names_the_handle(locked):
    security_admin = f.make_user("sec-admin", roles=(Role.SECURITY_ADMIN,), is_staff=True)
    ids = _attempt_ids(locked)
    assert ids
    response = _admin(security_admin).post(
        reverse("admin:axes_accessattempt_changelist"),
        {"action": "delete_selected", "_selected_action": ids, "post": "yes"},
    )
    assert response.status_code == 302
    assert not AccessAttempt.objects.filter(pk__in=ids).exists()
    entries = AuditEntry.objects.filter(action="credit_portal.account.unlocked")
    assert entries.count() == len(ids)
    entry = entries.first()
    assert entry.actor_id == security_admin.pk
    assert (entry.object_type, entry.object_id) == ("credit_portal.user", str(locked.pk))
    assert entry.detail["account"] == "citizen-handle-7q"
    # Unlocked: the right password works again.
    assert Client().post(reverse("login"), {"username": locked.username, "password": PASSWORD},
                         REMOTE_ADDR="198.51.100.9").status_code == 302


def test_deleting_one_attempt_from_its_page_is_audited_too(locked):
    security_admin = f.make_user("sec-admin", roles=(Role.SECURITY_ADMIN,), is_staff=True)
    attempt_id = _attempt_ids(locked)[0]
    response = _admin(security_admin).post(reverse("admin:axes_accessattempt_delete", args=[attempt_id]),
                                           {"post": "yes"})
    assert response.status_code == 302
    assert not AccessAttempt.objects.filter(pk=attempt_id).exists()
    assert AuditEntry.objects.filter(action="credit_portal.account.unlocked", object_id=str(locked.pk)).exists()


@pytest.mark.parametrize("role", [Role.SYSTEM_ADMIN, Role.AUDITOR, Role.CREDIT_OFFICE, None])
def test_nobody_else_unlocks_not_even_a_superuser(locked, role):
    if role is None:
        other = User.objects.create_superuser("installer", "installer@example.invalid", PASSWORD)
    else:
        other = f.make_user("other-admin", roles=(role,), is_staff=True)
    ids = _attempt_ids(locked)
    client = _admin(other)
    client.post(reverse("admin:axes_accessattempt_changelist"),
                {"action": "delete_selected", "_selected_action": ids, "post": "yes"})
    response = client.post(reverse("admin:axes_accessattempt_delete", args=[ids[0]]), {"post": "yes"})
    assert response.status_code in (302, 403)  # refused, or sent back to the admin index
    assert set(_attempt_ids(locked)) == set(ids)
    assert not AuditEntry.objects.filter(action="credit_portal.account.unlocked").exists()
    with pytest.raises(PermissionDenied):
        services.unlock_accounts(AccessAttempt.objects.all(), by=other)


def test_axes_unaudited_clean_up_action_is_not_offered(locked):
    security_admin = f.make_user("sec-admin", roles=(Role.SECURITY_ADMIN,), is_staff=True)
    page = _admin(security_admin).get(reverse("admin:axes_accessattempt_changelist"))
    assert page.status_code == 200
    assert "cleanup_expired_attempts" not in page.content.decode()
    assert "delete_selected" in page.content.decode()


def test_deleting_failure_log_rows_is_audited(locked):
    security_admin = f.make_user("sec-admin", roles=(Role.SECURITY_ADMIN,), is_staff=True)
    ids = [AccessFailureLog.objects.create(username=locked.username, ip_address="198.51.100.9", user_agent="t",
                                           http_accept="*/*", path_info="/accounts/login/", locked_out=n == 1).pk
           for n in range(2)]
    _admin(security_admin).post(reverse("admin:axes_accessfailurelog_changelist"),
                                {"action": "delete_selected", "_selected_action": ids, "post": "yes"})
    assert not AccessFailureLog.objects.exists()
    assert AuditEntry.objects.filter(action="credit_portal.access_log.deleted").count() == len(ids)
