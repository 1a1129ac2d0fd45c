"""Batch yearly findings: at year end a reviewer drafts 守信 findings for
every archive of a unit or an occupation without grounds for anything else, reviews
the exceptions one by one, and another reviewer signs the batch.

The rule: "原则上如无证据证明从业人员存在警示行为或者严重失信行为，一般认定为守信人员"
(001 annex, 填表说明 1). Grounds here are current negative records of the year that are
published or awaiting review; those archives are left out of the batch as exceptions.
Each finding is drafted and signed by ``draft_finding`` / ``sign_finding``, so the
four-eyes rule of a single finding (the drafter never signs) holds for every one.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from archives.intake import permissions
from archives.intake.models import FindingBatch
from archives.intake.selectors import batch_archives
from archives.models import AnnualFinding
from archives.services import draft_finding, sign_finding
from archives.services.records.common import department_work_changed
from credit_portal import audit
from departments.models import Department, Occupation

if TYPE_CHECKING:
    from credit_portal.models import User


def _require_reviewer(department_id: int, by: User) -> None:
    if not permissions.can_draft_batch_for(by, department_id):
        raise PermissionDenied(_("Only a reviewer of the department drafts and signs batches of findings."))


def draft_batch(
    *, department: Department, year: int, by: User, occupation: Occupation | None = None, employer: str = "",
) -> FindingBatch:
    """Draft 守信 findings of ``year`` for every archive in the batch without grounds
    or an existing finding. Callers: a reviewer of ``department``."""
    _require_reviewer(department.id, by)
    employer = employer.strip()
    if occupation is None and not employer:
        raise ValidationError({"employer": _("Choose an occupation or enter a unit.")})
    this_year = timezone.localdate().year
    if not 1990 <= year <= this_year:
        raise ValidationError({"year": _("Enter a year between 1990 and %(year)d.") % {"year": this_year}})
    basis = _("No evidence of warning conduct or serious dishonesty in %(year)s: found trustworthy as the rule "
              "provides.") % {"year": year}
    with transaction.atomic():
        batch = FindingBatch.objects.create(department=department, year=year, occupation=occupation,
                                            employer=employer, drafted_by=by)
        targets = batch_archives(department=department, year=year, occupation=occupation, employer=employer).filter(
            has_grounds=False, has_finding=False)
        findings = [
            draft_finding(archive, year=year, status=AnnualFinding.Status.TRUSTWORTHY, basis=basis, by=by)
            for archive in targets
        ]
        if not findings:
            raise ValidationError(_("No archive in this batch needs a trustworthy finding for this year."))
        batch.findings.add(*findings)
        audit.record("intake.findings.batch_drafted", actor=by, target=batch, detail={"findings": len(findings)})
    return batch


def sign_batch(batch: FindingBatch, *, by: User) -> FindingBatch:
    """Sign every draft finding of the batch. Callers: a reviewer of the department who
    did not draft the batch (four eyes)."""
    with transaction.atomic():
        locked = FindingBatch.objects.select_for_update().get(pk=batch.pk)
        _require_reviewer(locked.department_id, by)
        if permissions.is_drafter(by, locked):
            raise PermissionDenied(_("You cannot sign a batch you drafted: another reviewer must."))
        if locked.state != FindingBatch.State.DRAFT:
            raise ValidationError(_("This batch is already signed."))
        for finding in locked.findings.filter(state=AnnualFinding.State.DRAFT).select_related("archive"):
            sign_finding(finding, by=by)
        locked.state = FindingBatch.State.SIGNED
        locked.signed_by = by
        locked.signed_at = timezone.now()
        locked.save(update_fields=["state", "signed_by", "signed_at"])
        # Off the reviewers' queues even when no draft was left to sign in it.
        department_work_changed()
        audit.record("intake.findings.batch_signed", actor=by, target=locked)
    return locked
