"""Assignment of a case to one credit-office officer.

``Case.assigned_to`` is the single record of who is in charge (no object permission
beside it): ``repair.permissions.may_handle`` reads it.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from credit_portal.models import User
from repair import case_types, permissions
from repair.services import common

Case = case_types.Case


def assign_case(case: Case, *, officer: User, by: User) -> Case:
    """Give a case to one credit-office officer. A supervisor assigns any open case; an
    officer may take an unassigned one for themself."""
    if not permissions.is_credit_office(officer):
        raise ValidationError({"officer": _("Cases are assigned to credit office staff only.")})
    with transaction.atomic():
        locked = common.lock(case)
        common.refuse_if_closed(locked)
        if not permissions.may_assign_to(by, locked, officer):
            raise PermissionDenied(_("Only a supervisor assigns cases; you may take an unassigned case yourself."))
        locked.assigned_to = officer
        locked.save(update_fields=["assigned_to"])
        common.step(locked, "assigned", by, note=officer.get_username())
    return locked
