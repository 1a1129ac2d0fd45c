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
_FROM_SESSION = "_credit_portal_access_from_session"
# The session key of the saved access: role names and memberships, no personal data.
SESSION_KEY = "_access"


def role_names(user: User | AnonymousUser) -> frozenset[str]:
    """The role groups of ``user``, cached on the instance for the request (and in the
    session across requests while the user's ``access_version`` stays: ``load_access``)."""
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


# Under this key of the cached memberships: the ids of retired departments the user is
# still a member of. No scope comes from them (``department_ids`` never answers them), but
# such a member stays staff for the second factor (``is_department_member``).
_RETIRED = ":retired"


def _by_role(
    rows: list[tuple[int, str]] | list[list[object]], retired: object = ()
) -> dict[str | None, frozenset[int]]:
    """Department ids of (department id, role) rows: all of them under ``None`` and by role;
    ``retired``: the ids of retired departments with a membership."""
    by_role: dict[str | None, set[int]] = {None: set(), **{role: set() for role in Membership.Role.values}}
    for department_id, role in rows:
        by_role[None].add(int(department_id))  # type: ignore[arg-type]
        by_role.setdefault(str(role), set()).add(int(department_id))  # type: ignore[arg-type]
    by_role[_RETIRED] = {int(pk) for pk in retired}  # type: ignore[attr-defined]
    return {role: frozenset(ids) for role, ids in by_role.items()}


def _memberships(user: User) -> dict[str | None, frozenset[int]]:
    # Every membership in one query, a retired department's apart: its scope ended.
    rows = Membership.objects.filter(user=user).order_by().values_list("department_id", "role", "department__is_active")
    active, retired = [], []
    for department_id, role, is_active in rows:
        if is_active:
            active.append((department_id, role))
        else:
            retired.append(department_id)
    return _by_role(active, retired)


def department_ids(user: User | AnonymousUser, *, role: str | None = None) -> frozenset[int]:
    """Ids of the departments ``user`` is a member of, optionally in one role
    (``Membership.Role.CLERK`` or ``REVIEWER``); every role's are read in one query."""
    if not getattr(user, "is_authenticated", False):
        return frozenset()
    cached: dict[str | None, frozenset[int]] | None = getattr(user, _DEPT_CACHE, None)
    if cached is None:
        cached = _memberships(user)  # type: ignore[arg-type]
        setattr(user, _DEPT_CACHE, cached)
    return cached.get(role, frozenset()) if role != _RETIRED else frozenset()


def is_department_member(user: User | AnonymousUser) -> bool:
    """Whether ``user`` is a member of any department, a retired one included: a retired
    department gives no scope, but its members are still staff (they keep the second
    factor; the department may come back). Read with ``department_ids``, in the same query
    and the same session cache."""
    if not department_ids(user):
        return bool(getattr(user, _DEPT_CACHE, {}).get(_RETIRED))
    return True


def department_group_name(department: Department) -> str:
    """The auth group that stands for a department in object permissions."""
    return f"department:{department.code}"


def clear_cache(user: User | AnonymousUser) -> None:
    for attr in (_ROLE_CACHE, _DEPT_CACHE, _FROM_SESSION):
        if hasattr(user, attr):
            delattr(user, attr)


# --- Across requests: the access saved in the session, keyed by the access version -------
#
# Every page asks for the user's role groups and memberships (the navigation, the access
# wrapper, the scope): two queries a request. The session keeps them with the user's
# ``access_version`` at the time they were read; the user row is read on every request
# anyway, and every change of a role group or membership advances that version in the
# same transaction (``connect_signals``), so the next request after a revocation finds
# the saved access out of date and reads it again. A revoked role or membership takes
# effect on the next request.


def load_access(user: User | AnonymousUser, session: object) -> None:
    """Put ``user``'s access saved in ``session`` (role groups, memberships, or both) on
    the instance, if it was saved for this user at their current ``access_version``;
    what is not there is read when asked for."""
    if not getattr(user, "is_authenticated", False):
        return
    saved = session.get(SESSION_KEY)  # type: ignore[attr-defined]
    if (
        not isinstance(saved, dict) or saved.get("user") != user.pk
        or saved.get("version") != user.access_version  # type: ignore[union-attr]
    ):
        return
    loaded = set()
    if "roles" in saved:
        setattr(user, _ROLE_CACHE, frozenset(saved["roles"]))
        loaded.add(_ROLE_CACHE)
    # Memberships saved without the retired departments' (before those were kept) are read again.
    if "memberships" in saved and "retired" in saved:
        setattr(user, _DEPT_CACHE, _by_role(saved["memberships"], saved["retired"]))
        loaded.add(_DEPT_CACHE)
    setattr(user, _FROM_SESSION, frozenset(loaded))


def save_access(user: User | AnonymousUser, session: object) -> None:
    """Save in ``session`` what this request read of ``user``'s access (nothing more is
    read for it) under the ``access_version`` the user row was read with, unless it came
    from there. Read after that row, so a change committed in between is either in what
    is saved or has advanced the version already."""
    if not getattr(user, "is_authenticated", False):
        return
    held = {attr for attr in (_ROLE_CACHE, _DEPT_CACHE) if getattr(user, attr, None) is not None}
    if not held or held <= getattr(user, _FROM_SESSION, frozenset()):
        return
    saved: dict[str, object] = {"user": user.pk, "version": user.access_version}  # type: ignore[union-attr]
    if _ROLE_CACHE in held:
        saved["roles"] = sorted(role_names(user))
    if _DEPT_CACHE in held:
        by_role: dict[str | None, frozenset[int]] = getattr(user, _DEPT_CACHE)
        saved["memberships"] = sorted(
            [pk, role] for role, ids in by_role.items() if role not in (None, _RETIRED) for pk in ids
        )
        saved["retired"] = sorted(by_role.get(_RETIRED, ()))
    session[SESSION_KEY] = saved  # type: ignore[index]
    setattr(user, _FROM_SESSION, frozenset(held))


def advance_access_version(user_ids: object) -> None:
    """Make every session's saved access of these users out of date (in the caller's
    transaction, so with the change that calls it)."""
    from django.contrib.auth import get_user_model
    from django.db.models import F

    ids = [pk for pk in user_ids if pk is not None]  # type: ignore[attr-defined]
    if ids:
        get_user_model().objects.filter(pk__in=ids).update(access_version=F("access_version") + 1)


def _membership_changed(sender: object, *, instance: Membership, **kwargs: object) -> None:
    advance_access_version([instance.user_id])


def _department_changed(sender: object, *, instance: Department, created: bool = False, **kwargs: object) -> None:
    # A department retired (is_active) ends its members' scope there.
    if not created:
        advance_access_version(Membership.objects.filter(department=instance).values_list("user_id", flat=True))


def _groups_changed(
    sender: object, *, instance: object, action: str, reverse: bool, pk_set: set[object] | None, **kwargs: object
) -> None:
    if action == "pre_clear" and reverse:
        # group.user_set.clear(): whose role ends is known only before.
        instance._access_clearing = list(instance.user_set.values_list("pk", flat=True))  # type: ignore[attr-defined]
        return
    if action not in ("post_add", "post_remove", "post_clear"):
        return
    if not reverse:  # user.groups.add / remove / clear
        advance_access_version([instance.pk])  # type: ignore[attr-defined]
    elif action == "post_clear":
        advance_access_version(instance.__dict__.pop("_access_clearing", []))
    else:  # group.user_set.add / remove
        advance_access_version(pk_set or [])


def _group_deleted(sender: object, *, instance: object, **kwargs: object) -> None:
    advance_access_version(instance.user_set.values_list("pk", flat=True))  # type: ignore[attr-defined]


def connect_signals() -> None:
    """Advance the access version on every change of a role group or membership, by
    whatever path (services, the admin, the shell): cache invalidation, not a business rule."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete

    post_save.connect(_membership_changed, sender=Membership, dispatch_uid="scope.membership_saved")
    post_delete.connect(_membership_changed, sender=Membership, dispatch_uid="scope.membership_deleted")
    post_save.connect(_department_changed, sender=Department, dispatch_uid="scope.department_saved")
    m2m_changed.connect(_groups_changed, sender=get_user_model().groups.through, dispatch_uid="scope.groups_changed")
    pre_delete.connect(_group_deleted, sender=Group, dispatch_uid="scope.group_deleted")
