"""Who may do what with credit levels (pages ask these; services check them again)."""

from __future__ import annotations

from archives import permissions as archive_permissions
from departments.scope import is_credit_office


def can_view_level_list(user: object) -> bool:
    """The list of every archive by level is the credit office's oversight (DESIGN §1)."""
    return is_credit_office(user)


def can_manage_level_rules(user: object) -> bool:
    return is_credit_office(user)


def can_manage_point_rules(user: object) -> bool:
    """The integrity points pilot's scoring rules are the credit office's (002 §二(四)3)."""
    return is_credit_office(user)


def can_view_level_of(user: object, archive: object) -> bool:
    """Whoever may see the staff archive page sees its level and reasons."""
    return archive_permissions.can_view_archive(user, archive)  # type: ignore[arg-type]


def can_use_green_channel(user: object) -> bool:
    """Staff of a licensing or approving (government) department (001 §四; 004 item 23)."""
    from archives.levels.green_channel import licensing_department

    return licensing_department(user) is not None
