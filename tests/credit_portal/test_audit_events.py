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
    user = f.make_user("signs-in", roles=(Role.CREDIT_OFFICE,), role_entries=False)
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


def _admin_post_data(response) -> dict[str, object]:
    """The admin change page's forms (the object's and every inline's) as the browser
    would post them back unchanged."""
    data: dict[str, object] = {}

    def add(form) -> None:
        for name in form.fields:
            value = form[name].value()
            if isinstance(value, bool):
                if value:
                    data[form.add_prefix(name)] = "on"
            elif isinstance(value, list | tuple):
                data[form.add_prefix(name)] = [str(v) for v in value]
            else:
                data[form.add_prefix(name)] = "" if value is None else str(value)

    add(response.context["adminform"].form)
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        add(formset.management_form)
        for form in formset.forms:
            add(form)
    return data


def test_a_responsibility_added_or_removed_in_an_occupations_inline_is_audited_as_such(client):
    """A department made co-responsible for an occupation's archives on the occupation's
    admin page (its clerks then reach every such archive) is an entry of its own naming
    the responsibility, and so is one removed; the occupation's own entry names no field."""
    from departments.models import Department, Occupation, OccupationDepartment

    office = f.make_user("office-inline", roles=(Role.CREDIT_OFFICE,), is_staff=True)
    client.force_login(office)
    occupation = Occupation.objects.filter(occupationdepartment__isnull=False).order_by("pk").first()
    friend = Department.objects.exclude(occupationdepartment__occupation=occupation).order_by("pk").first()
    url = f"/admin/departments/occupation/{occupation.pk}/change/"
    data = _admin_post_data(client.get(url))
    prefix = "occupationdepartment_set"
    n = int(data[f"{prefix}-TOTAL_FORMS"])
    data.update({f"{prefix}-TOTAL_FORMS": str(n + 1), f"{prefix}-{n}-department": str(friend.pk),
                 f"{prefix}-{n}-seed": OccupationDepartment._meta.get_field("seed").choices[0][0],
                 f"{prefix}-{n}-note": "", f"{prefix}-{n}-occupation": str(occupation.pk)})
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    added = OccupationDepartment.objects.get(occupation=occupation, department=friend)
    created = AuditEntry.objects.get(action="departments.occupationdepartment.created")
    assert (created.actor_id, created.object_id) == (office.pk, str(added.pk))

    data = _admin_post_data(client.get(url))
    row = next(key.rsplit("-", 1)[0] for key, value in data.items()
               if key.startswith(prefix) and key.endswith("-id") and value == str(added.pk))
    data[f"{row}-DELETE"] = "on"
    assert client.post(url, data).status_code == 302
    assert not OccupationDepartment.objects.filter(pk=added.pk).exists()
    deleted = AuditEntry.objects.get(action="departments.occupationdepartment.deleted")
    assert (deleted.actor_id, deleted.object_id) == (office.pk, str(added.pk))


def test_a_department_systems_credentials_revoked_in_the_admin_name_who_revoked_them(client):
    from archives.intake.models import DepartmentSystem
    from archives.intake.systems import issue_system
    from departments.models import Department

    office = f.make_user("office-revokes", roles=(Role.CREDIT_OFFICE,), is_staff=True, is_superuser=True)
    system = issue_system(department=Department.objects.order_by("pk").first(), name="人事系统", by=office)[0]
    client.force_login(office)
    response = client.post("/admin/intake/departmentsystem/", {"action": "revoke", "_selected_action": [system.pk]})
    assert response.status_code == 302
    assert not DepartmentSystem.objects.get(pk=system.pk).is_active
    assert AuditEntry.objects.get(action="intake.system.revoked").actor_id == office.pk
