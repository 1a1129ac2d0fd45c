"""Writes of the departments app."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from credit_portal import audit
from credit_portal.models import User
from credit_portal.roles import ADMINISTRATOR_ROLES
from credit_portal.services import SeparationOfDuties
from departments.models import CoverageEntry, Department, Membership, Occupation, Seed, UpdateCadence

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
    if not by.has_perm("departments.change_coverageentry"):
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
    user: User, *, department: Department, role: str, by: User, request: Any = None
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


def revoke_membership(membership: Membership, *, by: User, request: Any = None) -> None:
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



def validate_cadence(*, kind: str, days: int | None, seed: str, source: str) -> None:
    """Refuse a cadence the credit office could not defend: one without a kind, a
    positive number of days, a seed or a written source (001 §三（五） makes the cadence
    depend on "信息产生的周期", so each cadence says which document sets it)."""
    errors: dict[str, str] = {}
    if kind not in Occupation.Cadence.values:
        errors["kind"] = _("Choose whether the information is updated yearly, quarterly or monthly.")
    if days is None or days <= 0:
        errors["days"] = _("Enter the number of days between updates as a whole number greater than 0.")
    if seed not in Seed.values:
        errors["seed"] = _("Choose the document the cadence comes from.")
    if not source.strip():
        errors["source"] = _("Enter the source of the cadence: the document and section that set it.")
    if errors:
        raise ValidationError(errors)


def set_update_cadence(
    occupation: Occupation,
    *,
    by: User,
    kind: str,
    days: int,
    seed: str,
    source: str,
    information: str = "",
) -> UpdateCadence:
    """Declare (or change) how often one kind of an occupation's information is updated.

    Who: a user with ``departments.change_occupation`` (the credit office keeps the
    catalogue, DESIGN §4). A cadence without its source is refused and nothing is
    written. One row per occupation and kind; the audit entry is in the same transaction.
    """
    if not by.has_perm("departments.change_occupation"):
        raise PermissionDenied
    validate_cadence(kind=kind, days=days, seed=seed, source=source)
    with transaction.atomic():
        cadence, created = UpdateCadence.objects.update_or_create(
            occupation=occupation, kind=kind,
            defaults={"days": days, "seed": seed, "source": source.strip(), "information": information.strip()},
        )
        audit.record(
            "departments.cadence.created" if created else "departments.cadence.changed", actor=by, target=cadence,
            detail={"occupation": occupation.code, "kind": kind, "days": days, "seed": seed},
        )
    return cadence
