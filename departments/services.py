"""Writes of the departments app."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import transaction

from credit_portal import audit
from credit_portal.models import User
from departments.models import CoverageEntry

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
