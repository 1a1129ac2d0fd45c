"""Access predicates of the base app: views, admin and services ask these, never decide themselves."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser

from credit_portal.models import User
from credit_portal.roles import Role


def _holds_role(user: User | AnonymousUser, role: str) -> bool:
    return bool(
        getattr(user, "is_authenticated", False)
        and user.is_active
        and user.groups.filter(name=role).exists()
    )


def can_unlock_accounts(user: User | AnonymousUser) -> bool:
    """Lift a django-axes lock-out or delete sign-in log rows: the security administrator only.

    Lock-outs are security settings, the security administrator's duty under 三权分立
    (DESIGN §8: system, security and audit administrator are different roles). The role is asked for, not just the permission: a superuser holds every
    permission and is for installation only.
    """
    return _holds_role(user, Role.SECURITY_ADMIN) and user.has_perm("axes.delete_accessattempt")


def can_maintain_audit_trail(user: User | AnonymousUser) -> bool:
    """Run the retention purge of the audit trail and request anchors from the admin page:
    the audit administrator only (DESIGN §8; Cybersecurity Law art. 21(3), logs kept at
    least six months)."""
    return _holds_role(user, Role.AUDITOR) and user.has_perm("credit_portal.purge_auditentry")
