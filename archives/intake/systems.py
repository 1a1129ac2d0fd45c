"""Department-system credentials: issued by the credit office, scoped to one department."""

from __future__ import annotations

import secrets

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _

from archives.intake.models import DepartmentSystem
from credit_portal import audit
from credit_portal.crypto import blind_index
from credit_portal.models import User
from departments.models import Department, Membership
from departments.scope import is_credit_office

KEY_PURPOSE = "department-system-key"


def key_index(key_id: str) -> str:
    return blind_index(key_id, purpose=KEY_PURPOSE)


def issue_system(*, department: Department, name: str, by: User | None) -> tuple[DepartmentSystem, str, str]:
    """Create a system's credentials; returns it with the key id and secret, shown once.

    Callers: the credit office (``by``), or ``None`` from the command line run by its
    administrator. The system gets a service account that is a clerk of ``department``
    only, so its writes meet the same scope and four-eyes rules as a person's.
    """
    if by is not None and not is_credit_office(by):
        raise PermissionDenied(_("Only the credit office issues credentials to department systems."))
    key_id = "dk_" + secrets.token_urlsafe(18)
    secret = secrets.token_urlsafe(32)
    with transaction.atomic():
        account = User.objects.create_user(username=f"system-{department.code}-{secrets.token_hex(4)}"[:150],
                                           full_name=name[:100])
        account.set_unusable_password()
        account.save(update_fields=["password"])
        Membership.objects.create(user=account, department=department, role=Membership.Role.CLERK)
        system = DepartmentSystem(department=department, name=name, key_id_index=key_index(key_id),
                                  key_id_prefix=key_id[:8], secret=secret, account=account, created_by=by)
        system.save(force_insert=True)
        audit.record("intake.system.issued", actor=by, target=system, detail={"department": department.code})
    return system, key_id, secret


def revoke_system(system: DepartmentSystem, *, by: User | None) -> None:
    if by is not None and not is_credit_office(by):
        raise PermissionDenied(_("Only the credit office issues credentials to department systems."))
    with transaction.atomic():
        DepartmentSystem.objects.filter(pk=system.pk).update(is_active=False)
        User.objects.filter(pk=system.account_id).update(is_active=False)
        audit.record("intake.system.revoked", actor=by, target=system)
