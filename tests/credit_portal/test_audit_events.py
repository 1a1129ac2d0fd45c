"""Everything security-relevant reaches the audit trail, named ``<app>.<object>.<verb>``."""

from __future__ import annotations

import re

import pytest
from django.core.management import call_command

from credit_portal.models import AuditEntry, CalendarDay
from credit_portal.roles import Role
from departments.models import Domain
from tests import factories as f

pytestmark = pytest.mark.django_db
ACTION = re.compile(r"^[a-z_]+\.[a-z_]+\.[a-z_]+$")


def _login(client, username: str, password: str):
    return client.post("/accounts/login/", {"username": username, "password": password})


def test_sign_in_success_failure_and_sign_out_are_audited(client):
    user = f.make_user("signs-in", roles=(Role.CREDIT_OFFICE,))
    assert _login(client, "signs-in", "wrong-password-1").status_code == 200
    assert _login(client, "signs-in", "test-password-123").status_code == 302
    client.post("/accounts/logout/")
    actions = list(AuditEntry.objects.filter(object_id=str(user.pk)).order_by("id").values_list("action", flat=True))
    assert actions == ["credit_portal.user.login_failed", "credit_portal.user.logged_in", "credit_portal.user.logged_out"]
    failed = AuditEntry.objects.get(action="credit_portal.user.login_failed")
    assert failed.detail == {"known_account": True}
    assert failed.ip_address == "127.0.0.1"


def test_a_failed_sign_in_never_records_what_was_typed(client):
    _login(client, "13800138000", "wrong-password-1")
    entry = AuditEntry.objects.get(action="credit_portal.user.login_failed")
    assert (entry.object_id, entry.actor_id, entry.detail) == ("", None, {"known_account": False})
    assert "13800138000" not in str(AuditEntry.objects.values())


def test_lock_out_is_audited(client, settings):
    user = f.make_user("locks-out", roles=(Role.CREDIT_OFFICE,))
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _login(client, "locks-out", "wrong-password-1")
    assert AuditEntry.objects.filter(action="credit_portal.user.locked_out", object_id=str(user.pk)).exists()


def test_a_password_change_by_any_path_is_audited():
    user = f.make_user("changes")
    assert not AuditEntry.objects.filter(action="credit_portal.user.password_changed").exists()  # creation is not a change
    user.set_password("Another-one-2026!")
    user.save()
    assert AuditEntry.objects.filter(action="credit_portal.user.password_changed", object_id=str(user.pk)).exists()


def test_calendar_and_catalogue_edits_in_the_admin_are_audited(client):
    office = f.make_user("office", roles=(Role.CREDIT_OFFICE,), is_staff=True)
    client.force_login(office)
    response = client.post("/admin/credit_portal/calendarday/add/", {
        "date": "2027-01-01", "kind": "holiday", "name": "元旦", "source": "国务院办公厅通知",
    })
    assert response.status_code == 302
    day = CalendarDay.objects.get(date="2027-01-01")
    created = AuditEntry.objects.get(action="credit_portal.calendarday.created")
    assert (created.actor_id, created.object_id) == (office.pk, str(day.pk))

    domain = Domain.objects.order_by("pk").first()
    response = client.post(f"/admin/departments/domain/{domain.pk}/change/", {
        "code": domain.code, "name": domain.name + "（改）", "seeds": domain.seeds, "sort_order": domain.sort_order,
        "seed_references": getattr(domain, "seed_references", ""),
    })
    changed = AuditEntry.objects.filter(action="departments.domain.changed", object_id=str(domain.pk)).first()
    assert response.status_code == 302, response.content.decode()[:500]
    assert changed is not None
    assert "name" in changed.detail["fields"]


def test_key_rotation_is_audited():
    call_command("rotate_field_keys", verbosity=0)
    entry = AuditEntry.objects.get(action="credit_portal.field_keys.rotated")
    assert "key_version" in entry.detail


def test_every_action_written_here_is_named_app_object_verb(client):
    test_sign_in_success_failure_and_sign_out_are_audited(client)
    test_key_rotation_is_audited()
    names = set(AuditEntry.objects.values_list("action", flat=True))
    assert names
    assert all(ACTION.match(name) for name in names), names


def test_every_rule_calendar_and_catalogue_admin_is_audited():
    from django.apps import apps
    from django.contrib import admin

    from credit_portal.admin import AuditedAdminMixin

    for label in ("archives.DisplayRule", "repair.DeadlineRule", "credit_portal.CalendarDay", "departments.Department",
                  "departments.Domain", "departments.RecordCategory", "departments.Occupation",
                  "departments.OccupationDepartment", "departments.OccupationCategory", "departments.CoverageEntry"):
        assert isinstance(admin.site._registry[apps.get_model(label)], AuditedAdminMixin), label
