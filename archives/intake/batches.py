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
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from archives.intake.models import FindingBatch
from archives.models import AnnualFinding, Archive, CreditRecord
from archives.services import draft_finding, sign_finding
from credit_portal import audit
from departments.models import Department, Membership, Occupation
from departments.scope import department_ids

if TYPE_CHECKING:
    from credit_portal.models import User


def _require_reviewer(department_id: int, by: User) -> None:
    if department_id not in department_ids(by, role=Membership.Role.REVIEWER):
        raise PermissionDenied(_("Only a reviewer of the department drafts and signs batches of findings."))


def batch_archives(*, department: Department, year: int, occupation: Occupation | None, employer: str) -> QuerySet[Archive]:
    """Open archives the department keeps, of the occupation and/or unit, annotated
    with whether they have grounds (negative records of the year) or a finding already."""
    grounds = CreditRecord.objects.filter(
        archive_id=OuterRef("pk"), is_current=True, polarity=CreditRecord.Polarity.NEGATIVE,
        state__in=[CreditRecord.State.PUBLISHED, CreditRecord.State.SUBMITTED], decided_on__year=year,
    )
    found = AnnualFinding.objects.filter(archive_id=OuterRef("pk"), year=year).exclude(
        state=AnnualFinding.State.SUPERSEDED)
    qs = Archive.objects.filter(department=department, state=Archive.State.OPEN)
    if occupation is not None:
        qs = qs.filter(occupation=occupation)
    if employer:
        qs = qs.filter(employer=employer)
    return qs.annotate(has_grounds=Exists(grounds), has_finding=Exists(found)).select_related("subject", "occupation")


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
        if getattr(by, "pk", None) == locked.drafted_by_id:
            raise PermissionDenied(_("You cannot sign a batch you drafted: another reviewer must."))
        if locked.state != FindingBatch.State.DRAFT:
            raise ValidationError(_("This batch is already signed."))
        for finding in locked.findings.filter(state=AnnualFinding.State.DRAFT).select_related("archive"):
            sign_finding(finding, by=by)
        locked.state = FindingBatch.State.SIGNED
        locked.signed_by = by
        locked.signed_at = timezone.now()
        locked.save(update_fields=["state", "signed_by", "signed_at"])
        audit.record("intake.findings.batch_signed", actor=by, target=locked)
    return locked


def batches_visible_to(user: User) -> QuerySet[FindingBatch]:
    return FindingBatch.objects.filter(department_id__in=department_ids(user)).select_related(
        "department", "occupation", "drafted_by", "signed_by")


def batches_awaiting_signature(user: User) -> QuerySet[FindingBatch]:
    """Draft batches a reviewer may sign: their department's, not drafted by them."""
    return batches_visible_to(user).filter(
        state=FindingBatch.State.DRAFT, department_id__in=department_ids(user, role=Membership.Role.REVIEWER)
    ).exclude(drafted_by=user)
