"""Writes of the departments app."""

from __future__ import annotations

from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from credit_portal import audit
from credit_portal.models import User
from credit_portal.roles import ADMINISTRATOR_ROLES, Role
from credit_portal.services import SeparationOfDuties
from departments import permissions, selectors
from departments.models import (
    CoverageEntry,
    Department,
    DepartmentEvaluation,
    Membership,
    Occupation,
    RuleFiling,
    Seed,
    UpdateCadence,
)

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
        if locked.groups.filter(name=str(Role.INSTITUTION)).exists():
            # An institution's staff queries people's records on its behalf; with a
            # membership the same account would also keep a department's records.
            raise SeparationOfDuties(
                _("A querying institution's staff account may not be a member of a department."),
                code="institution",
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


def file_rules(
    department: Department, *, by: User, title: str, document_number: str, issued_on: date, summary: str = ""
) -> RuleFiling:
    """File ``department``'s rules for its archives with the credit office (备案; 001 §五:
    "各单位要建立重点领域职业人群信用档案, 报县信用办备案").

    Who: a clerk or reviewer of that department (``permissions.can_file_rules``). A
    document dated in the future is refused: a filing records rules already issued.
    """
    if not permissions.can_file_rules(by, department):
        raise PermissionDenied
    if issued_on > timezone.localdate():
        raise ValidationError(_("The date the document was issued must be today or in the past."), code="future")
    with transaction.atomic():
        filing = RuleFiling.objects.create(
            department=department, title=title.strip(), document_number=document_number.strip(),
            issued_on=issued_on, summary=summary.strip(), filed_by=by, filed_at=timezone.now(),
        )
        audit.record(
            "departments.rule_filing.filed", actor=by, target=filing,
            detail={"department": department.code, "title": filing.title},
        )
    return filing


def acknowledge_filing(filing: RuleFiling, *, by: User) -> RuleFiling:
    """The credit office acknowledges a filing (备案): once, and never its own."""
    with transaction.atomic():
        locked = RuleFiling.objects.select_for_update().select_related("department").get(pk=filing.pk)
        if not permissions.can_acknowledge(by, locked):
            raise PermissionDenied
        locked.acknowledged_by = by
        locked.acknowledged_at = timezone.now()
        locked.save(update_fields=["acknowledged_by", "acknowledged_at"])
        audit.record(
            "departments.rule_filing.acknowledged", actor=by, target=locked,
            detail={"department": locked.department.code},
        )
    return locked


def evaluate_department(
    department: Department, *, year: int, by: User, grade: str, score: int, notes: str
) -> DepartmentEvaluation:
    """Record (or revise) the credit office's yearly evaluation of ``department`` (002 §三1
    "建立工作考核推进机制"; 004 item 30 "纳入'两建'工作年度考核"). The computed coverage
    figures of that year are kept with it; a revision is audited with what changed."""
    if not permissions.can_evaluate(by):
        raise PermissionDenied
    if grade not in DepartmentEvaluation.Grade.values:
        raise ValidationError(_("Select a grade."), code="grade")
    if not 0 <= score <= 100:
        raise ValidationError(_("Enter a score from 0 to 100."), code="score")
    if year > timezone.localdate().year:
        raise ValidationError(_("A year that has not begun cannot be evaluated."), code="year")
    figures = selectors.department_figures(department, year)
    with transaction.atomic():
        evaluation, created = DepartmentEvaluation.objects.select_for_update().get_or_create(
            department=department, year=year,
            defaults={
                "grade": grade, "score": score, "notes": notes.strip(), "figures": figures,
                "evaluated_by": by, "evaluated_at": timezone.now(),
            },
        )
        changed = ["grade", "score", "notes"]
        if not created:
            new = {"grade": grade, "score": score, "notes": notes.strip()}
            changed = [name for name, value in new.items() if getattr(evaluation, name) != value]
            for name, value in new.items():
                setattr(evaluation, name, value)
            evaluation.figures = figures
            evaluation.evaluated_by = by
            evaluation.evaluated_at = timezone.now()
            evaluation.save()
        audit.record(
            "departments.evaluation.recorded", actor=by, target=evaluation,
            detail={"department": department.code, "year": year, "changed": changed},
        )
    return evaluation
