"""Writes of the departments app."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _

from credit_portal import audit
from credit_portal.models import User
from credit_portal.roles import ADMINISTRATOR_ROLES
from credit_portal.services import SeparationOfDuties
from departments import permissions
from departments.models import CoverageEntry, Department, Membership

COVERAGE_FIELDS = ("archive_established", "policy_document", "next_steps", "remarks")


def update_coverage_entry(
    entry: CoverageEntry,
    *,
    by: User,
    archive_established: bool,
    policy_document: str,
    next_steps: str,
    remarks: str,
) -> CoverageEntry:
    """Record one unit's row of the coverage table (000 annex, 重点人群信用档案建设情况表).

    Who: a user with ``departments.change_coverageentry`` (the credit office, which
    oversees departments' coverage, DESIGN §1). The annex requires 下步打算 whether or
    not the archive is set up ("是否建立均须填写"); the form enforces it, and so does
    this function, so an import or API caller cannot skip it. The change is written to
    the audit trail in the same transaction.
    """
    if not permissions.may_change_coverage(by):
        raise PermissionDenied
    if archive_established is None or not next_steps.strip():
        raise ValueError("The coverage table needs 是否建立 and 下步打算 (000 annex: 是否建立均须填写).")
    with transaction.atomic():
        locked = CoverageEntry.objects.select_for_update().select_related("department").get(pk=entry.pk)
        new_values = {
            "archive_established": archive_established,
            "policy_document": policy_document.strip(),
            "next_steps": next_steps.strip(),
            "remarks": remarks.strip(),
        }
        changed = [name for name, value in new_values.items() if getattr(locked, name) != value]
        for name, value in new_values.items():
            setattr(locked, name, value)
        locked.save(update_fields=[*COVERAGE_FIELDS, "updated_at"])
        audit.record(
            "departments.coverage.updated",
            actor=by,
            target=locked,
            detail={"department": locked.department.code, "changed": changed},
        )
    return locked


def grant_membership(
    user: User, *, department: Department, role: str, by: User, request: HttpRequest | None = None
) -> Membership:
    """Make ``user`` a clerk or reviewer of ``department`` (their scope, DESIGN §6).

    Who: ``departments.add_membership`` (the security administrator), never for
    themselves (三权分立: whoever grants access does not use it), and never to an
    administrator (system, security or audit administrator), who handles no person's
    data. Idempotent: an existing membership is returned unchanged.
    """
    if not by.has_perm("departments.add_membership"):
        raise PermissionDenied
    if user.pk == by.pk:
        raise SeparationOfDuties(_("Nobody may change their own roles, memberships or credentials."), code="self")
    role = Membership.Role(role)
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        if locked.is_superuser or locked.groups.filter(name__in=[str(r) for r in ADMINISTRATOR_ROLES]).exists():
            raise SeparationOfDuties(
                _("An administrator (system, security or audit) may not be a member of a department."),
                code="administrator",
            )
        membership, created = Membership.objects.get_or_create(user=locked, department=department, role=role)
        if created:
            audit.record(
                "departments.membership.granted", actor=by, target=membership,
                detail={"user": locked.pk, "department": department.code, "role": str(role)}, request=request,
            )
    return membership


def revoke_membership(membership: Membership, *, by: User, request: HttpRequest | None = None) -> None:
    """End a membership. Who: ``departments.delete_membership``, never one's own."""
    if not by.has_perm("departments.delete_membership"):
        raise PermissionDenied
    if membership.user_id == by.pk:
        raise SeparationOfDuties(_("Nobody may change their own roles, memberships or credentials."), code="self")
    with transaction.atomic():
        locked = Membership.objects.select_for_update().select_related("department").filter(pk=membership.pk).first()
        if locked is None:
            return
        detail = {"user": locked.user_id, "department": locked.department.code, "role": locked.role}
        audit.record("departments.membership.revoked", actor=by, target=locked, detail=detail, request=request)
        locked.delete()

