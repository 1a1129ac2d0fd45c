"""Department memberships, checked against the audit trail: someone writing to the
database cannot give themselves (or a friend) a department seat, change one into a
reviewer's or another department's, or put back a revoked one unseen
(departments.access_check, run by manage.py verify_tables)."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from credit_portal.roles import Role
from departments import services
from departments.models import Department, Membership
from tests import factories as f

pytestmark = pytest.mark.django_db


def _verify() -> str:
    out = StringIO()
    call_command("verify_tables", stdout=out)
    return out.getvalue()


@pytest.fixture
def security_admin():  # noqa: ANN201
    return f.make_user("sec-admin", roles=(Role.SECURITY_ADMIN,), is_staff=True)


@pytest.fixture
def education() -> Department:
    return Department.objects.get(code="education")


@pytest.fixture
def granted(security_admin, education) -> Membership:
    """A clerk's seat granted through the service, by the security administrator."""
    return services.grant_membership(f.make_user("new-clerk"), department=education, role=Membership.Role.CLERK,
                                     by=security_admin)


def test_memberships_granted_through_the_services_and_the_demo_match(granted) -> None:
    call_command("load_demo_data", stdout=StringIO())
    out = _verify()
    assert "department memberships:" in out
    assert "Every checked table matches" in out


def test_a_seat_inserted_changed_or_put_back_in_the_database_is_named(security_admin, education, granted) -> None:
    # What someone with the database does, past the services (no audit entry, no signal).
    insider = f.make_user("insider")
    inserted = Membership.objects.bulk_create([
        Membership(user=insider, department=education, role=Membership.Role.REVIEWER),
    ])[0]
    Membership.objects.filter(pk=granted.pk).update(role=Membership.Role.REVIEWER)
    revoked = services.grant_membership(f.make_user("left"), department=education,
                                        role=Membership.Role.CLERK, by=security_admin)
    services.revoke_membership(revoked, by=security_admin)
    Membership.objects.bulk_create([Membership(pk=revoked.pk, user=revoked.user, department=education,
                                               role=Membership.Role.CLERK)])
    with pytest.raises(CommandError) as caught:
        _verify()
    message = str(caught.value)
    assert f"membership {inserted.pk} (user {insider.pk}, education, reviewer): no audit entry granted it" in message
    assert f"membership {granted.pk} (user {granted.user_id}, education, reviewer): differs" in message
    assert f"membership {revoked.pk}" in message
    assert "yet present" in message


def _legacy_system(department: Department, key: str) -> tuple[object, Membership]:
    """A system as ``issue_system`` wrote it before its clerk seat had an entry of its
    own: a service account (its name, no usable password), the seat, and one entry
    naming the system and its department."""
    from archives.intake.models import DepartmentSystem
    from credit_portal import audit

    account = f.make_user(f"system-{department.code}-{key}")
    account.set_unusable_password()
    account.save(update_fields=["password"])
    seat = Membership.objects.create(user=account, department=department, role=Membership.Role.CLERK)
    system = DepartmentSystem(department=department, name="旧系统", key_id_index=key, key_id_prefix=f"dk_{key}",
                              secret="x" * 43, account=account)
    system.save(force_insert=True)
    audit.record("intake.system.issued", target=system, detail={"department": department.code})
    return system, seat


def test_a_department_systems_seat_from_before_its_own_entry_is_vouched_for_by_the_issue(education) -> None:
    """A system issued before its clerk seat had an entry of its own (what issue_system
    wrote until now: the seat, and one entry naming the system): that entry vouches for
    exactly the seat, nothing more."""
    _system, seat = _legacy_system(education, "old")
    assert "Every checked table matches" in _verify()
    Membership.objects.filter(pk=seat.pk).update(role=Membership.Role.REVIEWER)
    with pytest.raises(CommandError, match=f"membership {seat.pk}"):
        _verify()
    Membership.objects.filter(pk=seat.pk).update(role=Membership.Role.CLERK)
    assert "Every checked table matches" in _verify()


@pytest.mark.parametrize("repointed", ["to an insider's account", "to another department"])
def test_a_legacy_system_repointed_in_the_database_vouches_for_nothing(education, repointed) -> None:
    """Someone with the database repoints an old system (issued before seats had their
    own entry) at their own account, or at another department, and moves its seat with
    it: the issue's entry names the department it was issued for, and a person's account
    (a name of their own, a password they sign in with) was never a system's."""
    from archives.intake.models import DepartmentSystem

    system, seat = _legacy_system(education, "old2")
    assert "Every checked table matches" in _verify()
    if repointed == "to an insider's account":
        insider = f.make_user("insider")
        DepartmentSystem.objects.filter(pk=system.pk).update(account=insider)
        Membership.objects.filter(pk=seat.pk).update(user=insider)
    else:
        health = Department.objects.get(code="health")
        DepartmentSystem.objects.filter(pk=system.pk).update(department=health)
        Membership.objects.filter(pk=seat.pk).update(department=health)
    with pytest.raises(CommandError, match=f"membership {seat.pk} .*: no audit entry granted it"):
        _verify()
