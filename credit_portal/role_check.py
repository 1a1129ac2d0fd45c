"""Roles against the code and the audit trail (a check of ``credit_portal.trail_checks``,
run by ``manage.py verify_tables``).

A role group is what opens the portal's pages to a person (``credit_portal.roles``): the
credit office's group the whole city's archives, the auditor's the trail and the query
logs. Its permissions are code (``ROLE_PERMISSIONS``, set at every migrate), and a staff
role is given to a person only through ``services.grant_role`` (the security
administrator's page), with an entry naming the person and the role; the demo accounts
likewise. Someone writing to the database past them (a credit office seat for
themselves, the query logs' permission added to a group, a permission given to one
account directly) leaves no entry that says so: this check names it.

Citizens' and institutions' roles come with their registration (their own entries) and
open only their own pages; they are not checked here.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from credit_portal import audit
from credit_portal.models import AuditEntry
from credit_portal.roles import ROLE_PERMISSIONS, Role
from credit_portal.trail_checks import TableCheck, entry_problem, last_entries

GRANTED, REVOKED = "credit_portal.role.granted", "credit_portal.role.revoked"
STAFF_ROLES = tuple(role for role in Role.values if role not in (Role.CITIZEN, Role.INSTITUTION))


def check_roles(chunk_size: int = 2000) -> TableCheck:
    """Each role group holds no permission the code does not give it; no account holds a
    permission of its own; each holder of a staff role was last granted it by an intact
    entry."""
    result = TableCheck("roles")
    for group in Group.objects.prefetch_related("permissions__content_type").order_by("name"):
        held = {f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.all()}
        extra = sorted(held - set(ROLE_PERMISSIONS.get(group.name, ())))
        if extra:
            result.problems.append(
                f"group {group.name}: holds {', '.join(extra)}, which the code does not give it"
            )
    User = get_user_model()
    direct = User.user_permissions.through.objects.select_related("permission__content_type").order_by("pk")
    for row in direct.iterator(chunk_size=chunk_size):
        result.problems.append(
            f"user {row.user_id}: holds {row.permission.content_type.app_label}.{row.permission.codename} directly "
            "(the portal gives permissions only through roles)"
        )
    # The entries naming role changes, oldest first: the last one for a person and a role decides.
    last = _last_role_entries(chunk_size)
    held_roles = (
        User.groups.through.objects.filter(group__name__in=STAFF_ROLES)
        .order_by("user_id", "group__name").values_list("user_id", "group__name")
    )
    for user_id, role in held_roles.iterator(chunk_size=chunk_size):
        result.entries += 1
        named = f"user {user_id} ({role})"
        entry = last.get((str(user_id), role))
        if entry is None:
            result.problems.append(f"{named}: no audit entry granted it")
        elif problem := entry_problem(entry):
            result.problems.append(problem)
        elif entry.action == REVOKED:
            result.problems.append(f"{named}: revoked at {entry.created_at:%Y-%m-%d %H:%M}, yet held")
    return result


def _last_role_entries(chunk_size: int = 2000) -> dict[object, AuditEntry]:
    return last_entries([GRANTED, REVOKED], get_user_model()._meta.label_lower,
                        lambda entry: (entry.object_id, str((entry.detail or {}).get("role", ""))),
                        chunk_size=chunk_size)


def carry_forward_roles(through: int, by: object) -> int:
    """Before the trail's entries through ``through`` are purged: a staff role still held
    whose last entry is among them gets a fresh ``role.granted`` entry naming it."""
    User = get_user_model()
    last = _last_role_entries()
    held = User.groups.through.objects.filter(group__name__in=STAFF_ROLES).values_list("user_id", "group__name")
    written = 0
    for user_id, role in held:
        entry = last.get((str(user_id), role))
        if entry is None or entry.action != GRANTED or entry.sequence is None or entry.sequence > through:
            continue
        if entry_problem(entry):  # only what the trail still vouches for is carried
            continue
        audit.record(GRANTED, actor=by, target=User(pk=user_id), detail={  # type: ignore[arg-type]
            "role": role, "carried_forward": entry.uid, "granted_at": entry.created_at.isoformat(),
        })
        written += 1
    return written
