"""Roles, checked against the code and the audit trail: someone writing to the database
cannot give themselves a credit office seat, a role group a permission, or one account a
permission of its own unseen (credit_portal.role_check, run by manage.py verify_tables)."""

from __future__ import annotations

from io import StringIO

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.management import CommandError, call_command

from credit_portal import services
from credit_portal.roles import Role
from tests import factories as f
from tests.departments.test_membership_check import _verify
from tests.departments.test_membership_check import security_admin as security_admin  # noqa: F401 - fixture

pytestmark = pytest.mark.django_db


def test_roles_granted_through_the_service_and_the_demo_match(security_admin) -> None:
    services.grant_role(f.make_user("officer", is_staff=True), Role.CREDIT_OFFICE, by=security_admin)
    call_command("load_demo_data", stdout=StringIO())
    out = _verify()
    assert "roles:" in out
    assert "Every checked table matches" in out


def test_a_role_a_group_permission_or_a_direct_permission_written_in_the_database_is_named(security_admin) -> None:
    User = f.User
    # What someone with the database does, past the services (no audit entry, no signal).
    insider = f.make_user("insider", is_staff=True)
    office = Group.objects.get(name=Role.CREDIT_OFFICE)
    User.groups.through.objects.bulk_create([User.groups.through(user_id=insider.pk, group_id=office.pk)])
    leaver = f.make_user("leaver", is_staff=True)
    services.grant_role(leaver, Role.AUDITOR, by=security_admin)
    services.revoke_role(leaver, Role.AUDITOR, by=security_admin)
    auditor = Group.objects.get(name=Role.AUDITOR)
    User.groups.through.objects.bulk_create([User.groups.through(user_id=leaver.pk, group_id=auditor.pk)])
    query_logs = Permission.objects.get(codename="view_querylog")
    Group.permissions.through.objects.bulk_create([Group.permissions.through(group_id=office.pk,
                                                                             permission_id=query_logs.pk)])
    User.user_permissions.through.objects.bulk_create([User.user_permissions.through(
        user_id=insider.pk, permission_id=query_logs.pk)])
    with pytest.raises(CommandError) as caught:
        _verify()
    message = str(caught.value)
    assert f"user {insider.pk} (credit_office): no audit entry granted it" in message
    assert f"user {leaver.pk} (auditor): revoked at" in message
    assert "group credit_office: holds disclosure.view_querylog, which the code does not give it" in message
    assert f"user {insider.pk}: holds disclosure.view_querylog directly" in message


def test_citizens_roles_are_not_this_checks(security_admin) -> None:
    f.make_user("someone", roles=(Role.CITIZEN,))
    assert "Every checked table matches" in _verify()


def test_demo_accounts_made_before_the_loader_wrote_the_entry_get_it_on_the_next_load() -> None:
    f.make_user("demo_credit_office", roles=(Role.CREDIT_OFFICE,), role_entries=False, is_staff=True)
    call_command("load_demo_data", stdout=StringIO())
    assert "Every checked table matches" in _verify()


def test_roles_and_seats_granted_before_a_purge_are_still_explained_after_it(settings) -> None:
    """The purge deletes the entries past retention, their grants included: every
    long-standing role and seat then read "no audit entry granted it". What is still held
    gets a fresh entry naming the one it carries forward, written before the delete; a
    role revoked before it does not come back."""
    from datetime import timedelta

    import time_machine
    from django.utils import timezone

    from credit_portal.audit_anchor import purge_expired
    from credit_portal.models import AuditEntry
    from departments import services as department_services
    from departments.models import Department, Membership

    with time_machine.travel(timezone.now() - timedelta(days=settings.AUDIT_RETENTION_DAYS + 10)):
        security_admin = f.make_user("sec-admin", roles=(Role.SECURITY_ADMIN,), is_staff=True)
        veteran = f.make_user("veteran", is_staff=True)
        services.grant_role(veteran, Role.CREDIT_OFFICE, by=security_admin)
        clerk = f.make_user("old-clerk")
        seat = department_services.grant_membership(clerk, department=Department.objects.get(code="education"),
                                                    role=Membership.Role.CLERK, by=security_admin)
        gone = f.make_user("gone", is_staff=True)
        services.grant_role(gone, Role.AUDITOR, by=security_admin)
        services.revoke_role(gone, Role.AUDITOR, by=security_admin)
    auditor = f.make_user("the-auditor", roles=(Role.AUDITOR,), is_staff=True)
    assert purge_expired(by=auditor) is not None
    carried = AuditEntry.objects.filter(detail__carried_forward__isnull=False)
    assert {(e.action, e.object_id) for e in carried} >= {
        ("credit_portal.role.granted", str(veteran.pk)), ("departments.membership.granted", str(seat.pk)),
    }
    assert not carried.filter(object_id=str(gone.pk)).exists()
    assert "Every checked table matches" in _verify()


def _purge_after(settings, grant_and_revoke):  # noqa: ANN001, ANN202
    """``grant_and_revoke`` in the past, then the retention purge; returns the purged rows
    as a database writer could have kept them (a backup, a copy of the table)."""
    from datetime import timedelta

    import time_machine
    from django.utils import timezone

    from credit_portal.audit_anchor import purge_expired
    from credit_portal.models import AuditEntry

    with time_machine.travel(timezone.now() - timedelta(days=settings.AUDIT_RETENTION_DAYS + 10)):
        security_admin = f.make_user("sec-admin", roles=(Role.SECURITY_ADMIN,), is_staff=True)
        friend = grant_and_revoke(security_admin)
    kept = [{f.attname: getattr(e, f.attname) for f in AuditEntry._meta.concrete_fields}
            for e in AuditEntry.objects.order_by("pk")]
    auditor = f.make_user("the-auditor", roles=(Role.AUDITOR,), is_staff=True)
    assert purge_expired(by=auditor) is not None
    return friend, kept


def test_a_purged_grant_put_back_is_not_chained_and_is_named(settings) -> None:
    """The insider's replay: after the purge, the revoked grant's row is inserted again
    (its uid is free again, its content MAC still verifies) with the seat. The chainer
    refuses an entry older than the retention, and both verifiers name it."""
    from credit_portal import audit
    from credit_portal.models import AuditEntry

    def grant_and_revoke(security_admin):  # noqa: ANN001, ANN202
        friend = f.make_user("friend", is_staff=True)
        services.grant_role(friend, Role.CREDIT_OFFICE, by=security_admin)
        services.revoke_role(friend, Role.CREDIT_OFFICE, by=security_admin)
        return friend

    friend, kept = _purge_after(settings, grant_and_revoke)
    grant = next(row for row in kept if row["action"] == "credit_portal.role.granted"
                 and row["object_id"] == str(friend.pk))
    unchained = {"id": None, "sequence": None, "prev_hash": "", "entry_hash": None, "chain_mac": ""}
    AuditEntry.objects.bulk_create([AuditEntry(**(grant | unchained))])
    f.User.groups.through.objects.create(user_id=friend.pk, group_id=Group.objects.get(name=Role.CREDIT_OFFICE).pk)
    assert audit.chain_pending() == 0
    assert AuditEntry.objects.get(uid=grant["uid"]).sequence is None
    result = audit.verify_chain()
    assert not result.ok
    with pytest.raises(CommandError) as caught:
        _verify()
    assert f"audit entry {grant['uid']} (credit_portal.role.granted" in str(caught.value)
    assert "never chained" in str(caught.value)


def test_swapping_the_ids_of_a_grant_and_its_revocation_does_not_reorder_them(security_admin) -> None:
    """Row ids are signed by nothing; the checks read entries in chain order."""
    from django.db import connection

    from credit_portal.models import AuditEntry

    friend = f.make_user("friend", is_staff=True)
    services.grant_role(friend, Role.AUDITOR, by=security_admin)
    services.revoke_role(friend, Role.AUDITOR, by=security_admin)
    granted = AuditEntry.objects.get(action="credit_portal.role.granted", object_id=str(friend.pk))
    revoked = AuditEntry.objects.get(action="credit_portal.role.revoked", object_id=str(friend.pk))
    if connection.vendor == "postgresql":
        pytest.skip("the triggers refuse the swap here; an insider past them is the SQLite case's")
    top = AuditEntry.objects.order_by("-pk").first().pk + 100
    AuditEntry.objects.filter(pk=revoked.pk).update(id=top)
    AuditEntry.objects.filter(pk=granted.pk).update(id=revoked.pk)
    AuditEntry.objects.filter(pk=top).update(id=granted.pk)
    f.User.groups.through.objects.create(user_id=friend.pk, group_id=Group.objects.get(name=Role.AUDITOR).pk)
    with pytest.raises(CommandError) as caught:
        _verify()
    assert f"user {friend.pk} (auditor): revoked at" in str(caught.value)


def test_put_back_entries_do_not_stop_the_chainer(settings) -> None:
    """A batch full of entries older than the retention (put back) must not keep the next
    read from being chained: they are left out of the batch, not skipped inside it."""
    from datetime import timedelta

    import time_machine
    from django.utils import timezone

    from credit_portal import audit
    from credit_portal.models import AuditEntry

    # Written back then and never chained: what a put-back copy looks like (its MAC valid).
    with time_machine.travel(timezone.now() - timedelta(days=settings.AUDIT_RETENTION_DAYS + 30)):
        for n in range(3):
            audit.record_read("test.read", detail={"n": n})
    fresh = audit.record_read("test.read", detail={"n": 99})
    audit.chain_pending(limit=3)
    assert AuditEntry.objects.get(pk=fresh.pk).sequence is not None
