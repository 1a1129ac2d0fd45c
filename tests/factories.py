"""Shared test factories and helpers: users in roles, departments, subjects, archives.

Synthetic people only: ID numbers are generated with valid check digits.
"""

from __future__ import annotations

import itertools
import random
from datetime import date, timedelta

from django.contrib.auth.models import Group
from django.utils import timezone

from credit_portal import audit
from credit_portal.models import User
from credit_portal.roles import Role
from departments.models import (
    Department,
    Membership,
    Occupation,
    OccupationCategory,
    OccupationDepartment,
    RecordCategory,
)

_counter = itertools.count(1)
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"


def lately(days: int = 30) -> dict[str, date]:
    """A record's dates of conduct and decision, the decision ``days`` before today: for a
    test of a record that must still be on display whenever the suite runs. A fixed date
    stops being on display once its period is over (3 months for minor information), and
    publication then ends the record at once."""
    decided = timezone.localdate() - timedelta(days=days)
    return {"occurred_on": decided - timedelta(days=10), "decided_on": decided}


def make_id_number(*, birth: date = date(1985, 6, 15), region: str = "110105", male: bool = True, seq: int | None = None) -> str:
    """A synthetic resident ID number with a valid GB 11643 check digit."""
    n = seq if seq is not None else random.randint(0, 49)
    order = f"{(n % 50) * 2 + (1 if male else 0):03d}"[-3:]
    body = f"{region}{birth:%Y%m%d}{order}"
    check = _CHECK[sum(int(d) * w for d, w in zip(body, _WEIGHTS, strict=True)) % 11]
    return body + check


def make_user(
    username: str | None = None, *, roles: tuple[str, ...] = (), role_entries: bool = True, **fields: object
) -> User:
    username = username or f"user{next(_counter)}"
    user = User.objects.create_user(username=username, password="test-password-123", **fields)  # noqa: S106
    for role in roles:
        group, _ = Group.objects.get_or_create(name=str(role))
        user.groups.add(group)
        if role_entries and role not in (Role.CITIZEN, Role.INSTITUTION):
            # As services.grant_role writes it, so verify_tables finds the role explained
            # (credit_portal.role_check). ``role_entries=False``: a test counting the
            # trail's entries from its first.
            audit.record("credit_portal.role.granted", target=user, detail={"role": str(role), "test": True})
    return user


def department(code: str, name: str | None = None) -> Department:
    dept, _ = Department.objects.get_or_create(code=code, defaults={"name": name or code})
    return dept


def occupation(code: str, name: str | None = None, *, departments: tuple[Department, ...] = ()) -> Occupation:
    occ, _ = Occupation.objects.get_or_create(code=code, defaults={"name": name or code})
    for dept in departments:
        OccupationDepartment.objects.get_or_create(occupation=occ, department=dept, defaults={"seed": "local"})
    return occ


def category(code: str, name: str | None = None, *, common: bool = True) -> RecordCategory:
    cat, _ = RecordCategory.objects.get_or_create(
        code=code, defaults={"name": name or code, "legal_basis": "test basis", "is_common": common}
    )
    return cat


def give_category(occ: Occupation, cat: RecordCategory) -> None:
    OccupationCategory.objects.get_or_create(occupation=occ, category=cat, defaults={"seed": "local"})


def member(dept: Department, role: str, username: str | None = None) -> User:
    roles = (Role.DEPARTMENT_CLERK,) if role == Membership.Role.CLERK else (Role.DEPARTMENT_REVIEWER,)
    user = make_user(username, roles=roles)
    # As the services grant one: with the audit entry every membership has (departments.access_check).
    from departments.demo import demo_membership

    demo_membership(user, dept, role)
    return user
