"""Department-system credentials: issued by the credit office, scoped to one department."""

from __future__ import annotations

import secrets
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _

from archives import services
from archives.intake.models import DepartmentSystem
from archives.models import CreditRecord
from credit_portal import audit
from credit_portal.crypto import blind_index
from credit_portal.exceptions import TransitionNotAllowed
from credit_portal.models import AuditEntry, User
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
        membership = Membership.objects.create(user=account, department=department, role=Membership.Role.CLERK)
        # The entry every membership has (departments.access_check).
        audit.record("departments.membership.granted", actor=by, target=membership, detail={
            "user": account.pk, "department": department.code, "role": str(Membership.Role.CLERK),
        })
        system = DepartmentSystem(department=department, name=name, key_id_index=key_index(key_id),
                                  key_id_prefix=key_id[:8], secret=secret, account=account, created_by=by)
        system.save(force_insert=True)
        audit.record("intake.system.issued", actor=by, target=system, detail={"department": department.code})
    return system, key_id, secret


def issued_memberships() -> dict[int, AuditEntry]:
    """{membership id: the ``intake.system.issued`` entry} for each system's service
    account's clerk seat in the system's own department (the seat ``issue_system`` gives).

    Only what the entry and ``issue_system`` fix vouch: the department the entry names (not
    the system row's, which a database writer could repoint), and an account that is a
    system's (its ``system-<department>-`` name, no password anyone can sign in with). A
    system row repointed at someone's own account, with the seat moved to it, is not
    vouched for. Two queries, whatever the number of systems."""
    entries = {e.object_id: e for e in AuditEntry.objects.filter(
        action="intake.system.issued", object_type=DepartmentSystem._meta.label_lower)}
    issued: dict[tuple[int, str], AuditEntry] = {}
    for system in DepartmentSystem.objects.select_related("account"):
        entry = entries.get(str(system.pk))
        department = entry.detail.get("department") if entry is not None else None
        account = system.account
        if (department and account.username.startswith(f"system-{department}-")
                and not account.has_usable_password()):
            issued[(account.pk, department)] = entry
    if not issued:
        return {}
    return {
        membership.pk: issued[(membership.user_id, membership.department.code)]
        for membership in Membership.objects.filter(
            user_id__in={account_id for account_id, _code in issued}, role=Membership.Role.CLERK,
        ).select_related("department")
        if (membership.user_id, membership.department.code) in issued
    }


def revoke_system(system: DepartmentSystem, *, by: User | None) -> None:
    if by is not None and not is_credit_office(by):
        raise PermissionDenied(_("Only the credit office issues credentials to department systems."))
    with transaction.atomic():
        DepartmentSystem.objects.filter(pk=system.pk).update(is_active=False)
        User.objects.filter(pk=system.account_id).update(is_active=False)
        audit.record("intake.system.revoked", actor=by, target=system)


# --- records a system sent ------------------------------------------------------------------


def update_sent_record(sent: CreditRecord, fields: dict[str, Any], *, digest: str, by: User) -> bool:
    """Apply what a department's system sent again under an external id it used before:
    False (nothing written) when the content is the same; otherwise the draft or returned
    record is edited (``edit_record``: the system's clerk account, scope and state) and
    the new content digest kept, in one transaction. A submitted or published record is
    refused (``TransitionNotAllowed``): it is corrected on the platform, where a person
    reviews it. ``sent``: the record found by its key (``selectors.sent_keys``)."""
    if sent.intake_digest == digest:
        return False
    with transaction.atomic():
        record = CreditRecord.objects.get(pk=sent.pk)
        if not record.is_editable:
            raise TransitionNotAllowed(_(
                "This record was submitted or published and cannot be changed through the interface: correct it "
                "on the platform."))
        services.edit_record(record, by=by, **fields)
        CreditRecord.objects.filter(pk=record.pk).update(intake_digest=digest)
    return True


def submit_sent_record(sent: CreditRecord, *, by: User) -> CreditRecord:
    """Submit for review the record a system sent under ``key`` (``submit_record`` checks
    who and which state)."""
    return services.submit_record(CreditRecord.objects.get(pk=sent.pk), by=by)
