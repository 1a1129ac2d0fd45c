"""Who may do what with credit levels (pages ask these; services check them again)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from departments.scope import is_credit_office

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from credit_portal.models import User


def can_view_level_list(user: User | AnonymousUser) -> bool:
    """The list of every archive by level is the credit office's oversight (DESIGN §1)."""
    return is_credit_office(user)


def can_manage_level_rules(user: User | AnonymousUser) -> bool:
    return is_credit_office(user)


def can_manage_point_rules(user: User | AnonymousUser) -> bool:
    """The integrity points pilot's scoring rules are the credit office's (002 §二(四)3)."""
    return is_credit_office(user)


def can_use_green_channel(user: User | AnonymousUser) -> bool:
    """Staff of a licensing or approving (government) department (001 §四; 004 item 23)."""
    from archives.levels.green_channel import licensing_department

    return licensing_department(user) is not None
