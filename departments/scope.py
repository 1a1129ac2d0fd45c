"""Who a staff user is: their roles and the departments they act for (DESIGN §6).

This is the one place that turns memberships and role groups into scope; selectors
and services of every app ask here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib.auth.models import AnonymousUser

from credit_portal.roles import Role
from departments.models import Department, Membership

if TYPE_CHECKING:
    from credit_portal.models import User

_ROLE_CACHE = "_credit_portal_roles"
_DEPT_CACHE = "_credit_portal_departments"


def role_names(user: User | AnonymousUser) -> frozenset[str]:
    """The role groups of ``user``, cached on the instance for the request."""
    if isinstance(user, AnonymousUser) or not getattr(user, "is_authenticated", False):
        return frozenset()
    cached = getattr(user, _ROLE_CACHE, None)
    if cached is None:
        cached = frozenset(user.groups.values_list("name", flat=True))
        setattr(user, _ROLE_CACHE, cached)
    return cached


def has_role(user: User | AnonymousUser, role: Role | str) -> bool:
    return str(role) in role_names(user)


def is_credit_office(user: User | AnonymousUser) -> bool:
    """Credit office staff see and settle everything (DESIGN §6)."""
    return has_role(user, Role.CREDIT_OFFICE)


def department_ids(user: User | AnonymousUser, *, role: str | None = None) -> frozenset[int]:
    """Ids of the departments ``user`` is a member of, optionally in one role
    (``Membership.Role.CLERK`` or ``REVIEWER``)."""
    if not getattr(user, "is_authenticated", False):
        return frozenset()
    cached: dict[str | None, frozenset[int]] | None = getattr(user, _DEPT_CACHE, None)
    if cached is None:
        cached = {}
        setattr(user, _DEPT_CACHE, cached)
    if role not in cached:
        memberships = Membership.objects.filter(user=user, department__is_active=True)
        if role is not None:
            memberships = memberships.filter(role=role)
        cached[role] = frozenset(memberships.values_list("department_id", flat=True))
    return cached[role]


def department_group_name(department: Department) -> str:
    """The auth group that stands for a department in object permissions."""
    return f"department:{department.code}"


def clear_cache(user: User | AnonymousUser) -> None:
    for attr in (_ROLE_CACHE, _DEPT_CACHE):
        if hasattr(user, attr):
            delattr(user, attr)
