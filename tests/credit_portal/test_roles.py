"""Role groups, their permissions, and the separation of duties (DESIGN §1, §8)."""

from __future__ import annotations

import logging

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import ValidationError
from django.core.management.sql import emit_post_migrate_signal
from django.db import transaction

from credit_portal import roles
from credit_portal.models import User
from credit_portal.roles import (
    ROLE_PERMISSIONS,
    Role,
    check_separation_of_duties,
    sync_role_groups,
)

pytestmark = pytest.mark.django_db

CATALOGUE = ("department", "domain", "recordcategory", "occupation", "occupationdepartment", "occupationcategory")


def group_perms(role: str) -> set[str]:
    return {
        f"{app}.{codename}"
        for app, codename in Group.objects.get(name=role).permissions.values_list(
            "content_type__app_label", "codename"
        )
    }


def user_in(*role_names: str, username: str = "someone") -> User:
    """A user put in groups directly through the join table (bypassing the guard)."""
    user = User.objects.create_user(username=username, password="x-password-123")
    for name in role_names:
        User.groups.through.objects.create(user=user, group=Group.objects.get(name=name))
    return user


# --- Groups after migrate ---------------------------------------------------------------
def test_migrate_creates_one_group_per_role_with_exactly_its_permissions() -> None:
    for role in Role.values:
        assert group_perms(role) == set(ROLE_PERMISSIONS[role]), role


def test_every_declared_permission_exists_today() -> None:
    assert sync_role_groups() == {}


def test_department_staff_only_view_the_catalogue_and_file_their_rules() -> None:
    # Filing rules (备案, 001 §五) is scoped to their own department by the membership.
    expected = {f"departments.view_{model}" for model in CATALOGUE} | {"departments.add_rulefiling"}
    assert group_perms(Role.DEPARTMENT_CLERK) == expected
    assert group_perms(Role.DEPARTMENT_REVIEWER) == expected


def test_credit_office_keeps_the_catalogue_and_the_coverage_table() -> None:
    perms = group_perms(Role.CREDIT_OFFICE)
    for model in CATALOGUE:
        assert {f"departments.view_{model}", f"departments.change_{model}"} <= perms
    assert {"departments.view_coverageentry", "departments.change_coverageentry", "departments.view_membership"} <= perms
    assert "departments.change_membership" not in perms
    assert "departments.delete_department" not in perms
    assert not {p for p in perms if p.startswith("credit_portal.") and "user" in p}


def test_citizens_and_institutions_hold_no_model_permission() -> None:
    assert group_perms(Role.CITIZEN) == set()
    assert group_perms(Role.INSTITUTION) == set()


def test_security_admin_manages_memberships_roles_lockouts_and_resets() -> None:
    perms = group_perms(Role.SECURITY_ADMIN)
    assert {
        "departments.add_membership", "departments.delete_membership", "credit_portal.assign_role",
        "credit_portal.reset_credentials", "axes.delete_accessattempt", "otp_totp.view_totpdevice",
    } <= perms
    # Roles are code; a device made by someone else would let them sign in as its owner.
    assert not perms & {"auth.add_group", "auth.change_group", "auth.delete_group", "otp_totp.add_totpdevice",
                        "otp_totp.change_totpdevice", "credit_portal.change_user"}


def test_role_permissions_work_through_has_perm() -> None:
    clerk = user_in(Role.DEPARTMENT_CLERK, username="clerk")
    assert clerk.has_perm("departments.view_occupation")
    assert not clerk.has_perm("departments.change_occupation")
    office = user_in(Role.CREDIT_OFFICE, username="office")
    assert office.has_perm("departments.change_coverageentry")
    assert office.has_perm("credit_portal.add_calendarday")
    citizen = user_in(Role.CITIZEN, username="citizen")
    assert not citizen.has_perm("departments.view_department")


# --- Separation of duties ------------------------------------------------------------------
AUDITOR_PERMISSIONS = {"credit_portal.view_auditentry", "credit_portal.view_auditanchor", "credit_portal.purge_auditentry", "disclosure.view_querylog"}


def test_system_admin_has_no_audit_permission() -> None:
    assert not {p for p in group_perms(Role.SYSTEM_ADMIN) if p.endswith("auditentry")}
    admin = user_in(Role.SYSTEM_ADMIN)
    assert admin.has_perm("credit_portal.add_user")
    assert not admin.has_perm("credit_portal.view_auditentry")


def test_auditor_reads_the_trail_and_administers_nothing() -> None:
    assert group_perms(Role.AUDITOR) == AUDITOR_PERMISSIONS
    auditor = user_in(Role.AUDITOR)
    assert auditor.has_perm("credit_portal.view_auditentry")
    for perm in ("credit_portal.add_user", "credit_portal.change_user", "credit_portal.view_user",
                 "auth.change_group", "departments.add_membership", "credit_portal.assign_role",
                 "credit_portal.reset_credentials"):
        assert not auditor.has_perm(perm), perm


def test_nobody_may_change_or_delete_audit_entries() -> None:
    assert not Permission.objects.filter(
        content_type__app_label="credit_portal", codename__in=["change_auditentry", "delete_auditentry", "add_auditentry"]
    ).exists()
    holders = Group.objects.filter(permissions__codename__endswith="_auditentry").values_list("name", flat=True)
    assert set(holders) == {Role.AUDITOR}


def test_security_admin_cannot_create_or_delete_accounts() -> None:
    perms = group_perms(Role.SECURITY_ADMIN)
    assert "credit_portal.add_user" not in perms
    assert "credit_portal.delete_user" not in perms
    assert not {p for p in perms if p.endswith("auditentry")}


def test_no_declared_role_holds_a_forbidden_permission() -> None:
    for role in Role.values:
        assert not ROLE_PERMISSIONS[role] & roles.FORBIDDEN_PERMISSIONS[role], role


def test_check_reports_conflicting_roles() -> None:
    assert check_separation_of_duties(user_in(Role.SYSTEM_ADMIN, Role.AUDITOR, username="a"))
    assert check_separation_of_duties(user_in(Role.SECURITY_ADMIN, Role.AUDITOR, username="b"))
    assert check_separation_of_duties(user_in(Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN, username="c"))
    assert check_separation_of_duties(user_in(Role.DEPARTMENT_CLERK, Role.DEPARTMENT_REVIEWER, username="d")) == []
    assert check_separation_of_duties(user_in(Role.AUDITOR, username="e")) == []


def test_check_reports_audit_and_account_permissions_from_any_group() -> None:
    custom = Group.objects.create(name="helpdesk")
    custom.permissions.add(Permission.objects.get(codename="change_user", content_type__app_label="credit_portal"))
    user = user_in(Role.AUDITOR)
    assert check_separation_of_duties(user) == []
    user.groups.add(custom)
    problems = check_separation_of_duties(user)
    assert len(problems) == 1
    assert "audit" in problems[0] or "审计" in problems[0]


def test_check_reports_superusers() -> None:
    user = User.objects.create_superuser(username="root", password="x-password-123")
    assert len(check_separation_of_duties(user)) == 1


@pytest.mark.parametrize(
    ("held", "added"),
    [
        (Role.SYSTEM_ADMIN, Role.AUDITOR),
        (Role.AUDITOR, Role.SYSTEM_ADMIN),
        (Role.SECURITY_ADMIN, Role.AUDITOR),
        (Role.AUDITOR, Role.SECURITY_ADMIN),
        (Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN),
    ],
)
def test_adding_a_conflicting_role_is_refused(held: str, added: str) -> None:
    # The guard raises inside add()'s transaction: a caller that goes on afterwards
    # needs its own savepoint, as here.
    user = user_in(held)
    with pytest.raises(ValidationError), transaction.atomic():
        user.groups.add(Group.objects.get(name=added))
    assert set(user.groups.values_list("name", flat=True)) == {held}


def test_adding_conflicting_roles_at_once_or_from_the_group_side_is_refused() -> None:
    user = user_in()
    with pytest.raises(ValidationError), transaction.atomic():
        user.groups.add(Group.objects.get(name=Role.SYSTEM_ADMIN), Group.objects.get(name=Role.AUDITOR))
    assert not user.groups.exists()
    user.groups.add(Group.objects.get(name=Role.AUDITOR))
    with pytest.raises(ValidationError), transaction.atomic():
        Group.objects.get(name=Role.SYSTEM_ADMIN).user_set.add(user)
    assert list(user.groups.values_list("name", flat=True)) == [Role.AUDITOR]


def test_compatible_roles_and_replacing_a_role_are_allowed() -> None:
    user = user_in(Role.SYSTEM_ADMIN)
    user.groups.set([Group.objects.get(name=Role.AUDITOR)])  # removed first, then added
    assert list(user.groups.values_list("name", flat=True)) == [Role.AUDITOR]
    clerk = user_in(username="clerk")
    clerk.groups.add(Group.objects.get(name=Role.DEPARTMENT_CLERK), Group.objects.get(name=Role.DEPARTMENT_REVIEWER))
    assert clerk.groups.count() == 2


def test_a_role_group_cannot_be_given_a_forbidden_permission() -> None:
    view_audit = Permission.objects.get(codename="view_auditentry")
    add_user = Permission.objects.get(codename="add_user", content_type__app_label="credit_portal")
    with pytest.raises(ValidationError), transaction.atomic():
        Group.objects.get(name=Role.SYSTEM_ADMIN).permissions.add(view_audit)
    with pytest.raises(ValidationError), transaction.atomic():
        view_audit.group_set.add(Group.objects.get(name=Role.SECURITY_ADMIN))
    with pytest.raises(ValidationError), transaction.atomic():
        Group.objects.get(name=Role.AUDITOR).permissions.add(add_user)
    with pytest.raises(ValidationError), transaction.atomic():
        Group.objects.get(name=Role.SECURITY_ADMIN).permissions.add(add_user)
    assert set(Group.objects.filter(permissions=view_audit).values_list("name", flat=True)) == {Role.AUDITOR}
    # Groups that are not roles are the security administrator's business.
    Group.objects.create(name="helpdesk").permissions.add(add_user)


# --- Sync ------------------------------------------------------------------------------------
def test_sync_is_idempotent_and_undoes_edits() -> None:
    office = Group.objects.get(name=Role.CREDIT_OFFICE)
    office.permissions.add(Permission.objects.get(codename="delete_department"))
    office.permissions.remove(Permission.objects.get(codename="view_coverageentry"))
    sync_role_groups()
    sync_role_groups()
    assert group_perms(Role.CREDIT_OFFICE) == set(ROLE_PERMISSIONS[Role.CREDIT_OFFICE])
    assert Group.objects.filter(name__in=Role.values).count() == len(Role.values)


def test_permissions_of_models_that_do_not_exist_yet_are_skipped(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    later = "disclosure.view_querylog_of_a_later_issue"
    declared = dict(ROLE_PERMISSIONS)
    declared[Role.AUDITOR] = ROLE_PERMISSIONS[Role.AUDITOR] | {later}
    monkeypatch.setattr(roles, "ROLE_PERMISSIONS", declared)
    with caplog.at_level(logging.DEBUG, logger="credit_portal.roles"):
        skipped = sync_role_groups()
    assert skipped == {Role.AUDITOR: [later]}
    assert later in caplog.text
    assert group_perms(Role.AUDITOR) == AUDITOR_PERMISSIONS


def test_post_migrate_recreates_groups_and_permissions_of_every_app() -> None:
    Group.objects.filter(name=Role.AUDITOR).delete()
    # An app after credit_portal in INSTALLED_APPS: its permission must exist before the
    # groups are filled, whatever order Django's own receivers run in.
    Permission.objects.filter(content_type__app_label="departments", codename="add_membership").delete()
    emit_post_migrate_signal(verbosity=0, interactive=False, db="default")
    assert group_perms(Role.AUDITOR) == AUDITOR_PERMISSIONS
    assert "departments.add_membership" in group_perms(Role.SECURITY_ADMIN)


def test_credit_office_operates_the_exchange_and_registers_institutions_but_reads_no_query_log() -> None:
    perms = group_perms(Role.CREDIT_OFFICE)
    assert {"exchange.view_outboxevent", "exchange.change_outboxevent", "disclosure.add_institution"} <= perms
    assert "disclosure.view_querylog" not in perms
    assert "credit_portal.view_auditentry" not in perms
