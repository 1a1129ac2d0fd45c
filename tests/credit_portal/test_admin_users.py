from __future__ import annotations

import pytest

from credit_portal.roles import Role
from tests import factories as f

pytestmark = pytest.mark.django_db


def test_system_admin_edits_accounts_but_cannot_grant_roles(client):
    admin_user = f.make_user("sysadmin", roles=(Role.SYSTEM_ADMIN,), is_staff=True)
    target = f.make_user("someone")
    client.force_login(admin_user)
    response = client.get(f"/admin/credit_portal/user/{target.pk}/change/")
    assert response.status_code == 200
    content = response.content.decode()
    assert 'name="full_name"' in content
    assert 'name="groups"' not in content
    assert 'name="user_permissions"' not in content
    assert 'name="is_superuser"' not in content


def test_auditor_cannot_open_user_admin(client):
    auditor = f.make_user("auditor1", roles=(Role.AUDITOR,), is_staff=True)
    target = f.make_user("someone")
    client.force_login(auditor)
    assert client.get(f"/admin/credit_portal/user/{target.pk}/change/").status_code == 403
