"""Yearly credit-status findings (年度信用状况认定, 001 annex)."""

from __future__ import annotations

import json
from datetime import date
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from archives import permissions
from archives.events import emit_finding_signed
from archives.models import AnnualFinding, Archive
from archives.services.evidence import delete_files_on_commit
from archives.services.records import display
from archives.services.records.common import department_work_changed
from credit_portal import audit
from credit_portal.crypto import blind_index
from credit_portal.exceptions import TransitionNotAllowed

if TYPE_CHECKING:
    from credit_portal.models import User


def draft_finding(archive: Archive, *, year: int, status: str, basis: str, by: User) -> AnnualFinding:
    """Draft the finding of ``year`` for ``archive`` (clerk or reviewer in scope).

    守信 is the default: "原则上如无证据证明从业人员存在警示行为或者严重失信行为，一般认定为
    守信人员" (001 annex, 填表说明 1). A draft for a year that already has a signed
    finding becomes its next version once signed.
    """
    if status not in AnnualFinding.Status.values:
        raise ValidationError({"status": _("Choose the credit status.")})
    if not basis.strip():
        raise ValidationError({"basis": _("Enter the basis of the finding.")})
    this_year = timezone.localdate().year
    if year > this_year or year < 1990:
        raise ValidationError({"year": _("Enter a year between 1990 and %(year)d.") % {"year": this_year}})
    refuse_past_retention(year, status, decided_on=date(year, 12, 31))
    with transaction.atomic():
        archive = Archive.objects.select_for_update().get(pk=archive.pk)
        if not permissions.can_draft_finding(by, archive):
            raise PermissionDenied(_("Only staff of the responsible department draft findings."))
        if archive.findings.filter(year=year, state=AnnualFinding.State.DRAFT).exists():
            raise ValidationError({"year": _("There is already an unsigned finding for this year.")})
        latest = archive.findings.filter(year=year).order_by("-version").first()
        finding = AnnualFinding.objects.create(
            archive=archive, year=year, version=(latest.version + 1) if latest else 1,
            is_current=False, status=status, basis=basis.strip(), created_by=by,
        )
        department_work_changed()  # awaiting signature on the reviewers' queues
        audit.record("archives.finding.drafted", actor=by, target=finding, subject_ref=str(archive.subject_id))
    return finding


def refuse_past_retention(year: int, status: str, *, decided_on: date) -> None:
    """A warning or serious finding is negative information: kept 5 years from its
    decision day and then deleted by the nightly purge (《征信业管理条例》 art. 16: "个人不良
    信息的保存期限，自不良行为或者事件终止之日起为5年；超过5年的，应当予以删除"). One
    decided before the cutoff is refused, as a record's decision date is
    (``services.records.content``): it would be deleted the next night."""
    if status == AnnualFinding.Status.TRUSTWORTHY:
        return
    cutoff = display.retention_cutoff(timezone.localdate())
    if decided_on < cutoff:
        raise ValidationError({"year": _(
            "Negative information is kept for 5 years and must then be deleted (征信业管理条例 art. 16); "
            "a warning or serious finding for %(year)d can no longer be entered."
        ) % {"year": year}})


def delete_draft_finding(finding: AnnualFinding, *, by: User) -> None:
    """Delete an unsigned finding and its evidence (staff in scope). A signed finding is
    never deleted: a later change is a new signed version."""
    with transaction.atomic():
        locked = AnnualFinding.objects.select_for_update().select_related("archive").get(pk=finding.pk)
        if locked.state != AnnualFinding.State.DRAFT:
            raise TransitionNotAllowed(_("A signed finding cannot be deleted."))
        if not permissions.can_delete_draft_finding(by, locked):
            raise PermissionDenied(_("Only staff of the responsible department draft findings."))
        files = list(locked.evidence.values_list("file", flat=True))
        audit.record("archives.finding.deleted", actor=by, target=locked, subject_ref=str(locked.archive.subject_id),
                     detail={"year": locked.year, "evidence": len(files)})
        locked.evidence.all().delete()
        locked.delete()
        department_work_changed()  # off the reviewers' queues
        delete_files_on_commit(files)


def seal_of(finding: AnnualFinding) -> str:
    """The electronic seal: a keyed HMAC-SM3 over the finding's canonical content."""
    return seal_for(
        archive_id=finding.archive_id, year=finding.year, version=finding.version, status=finding.status,
        basis=finding.basis, signed_by_id=finding.signed_by_id,
        signed_at=finding.signed_at.isoformat() if finding.signed_at else None,
        evidence_digests=finding.evidence.values_list("digest", flat=True),
    )


def seal_for(
    *, archive_id: int, year: int, version: int, status: str, basis: str, signed_by_id: int | None,
    signed_at: str | None, evidence_digests: object = (),
) -> str:
    """The seal from the finding's content (the bulk loader seals rows it never saves)."""
    content = json.dumps(
        {
            "archive": archive_id, "year": year, "version": version, "status": status, "basis": basis,
            "signed_by": signed_by_id, "signed_at": signed_at, "evidence": sorted(evidence_digests),
        },
        sort_keys=True, ensure_ascii=False, separators=(",", ":"),
    )
    return blind_index(content, purpose="finding-seal")


def sign_finding(finding: AnnualFinding, *, by: User) -> AnnualFinding:
    """Sign (盖章) a draft finding: a reviewer in scope who did not draft it.

    Warning and serious findings need evidence attached first (001 annex, 填表说明 2).
    The previous signed version of the same year, if any, is superseded.
    """
    with transaction.atomic():
        locked = AnnualFinding.objects.select_for_update().select_related("archive").get(pk=finding.pk)
        if locked.state != AnnualFinding.State.DRAFT:
            raise TransitionNotAllowed(_("This finding is already signed."))
        if getattr(by, "pk", None) == locked.created_by_id:
            raise PermissionDenied(_("You cannot sign a finding you drafted: another reviewer must."))
        if not permissions.can_sign_finding(by, locked):
            raise PermissionDenied(_("Only a reviewer of the responsible department signs findings."))
        if locked.needs_evidence and not locked.evidence.exists():
            raise ValidationError(_("A warning or serious finding needs evidence attached before it is signed."))
        previous = AnnualFinding.objects.select_for_update().filter(
            archive_id=locked.archive_id, year=locked.year, is_current=True
        ).first()
        if previous is not None:
            previous.is_current = False
            previous.state = AnnualFinding.State.SUPERSEDED
            previous.save(update_fields=["is_current", "state"])
        now = timezone.now()
        decided_on = display.finding_decided_on(locked.year, timezone.localdate(now))
        # A draft of an adverse finding written before its year's retention ran out.
        refuse_past_retention(locked.year, locked.status, decided_on=decided_on)
        locked.state = AnnualFinding.State.SIGNED
        locked.is_current = True
        locked.signed_by = by
        locked.signed_at = now
        locked.decided_on = decided_on
        locked.display_until = display.finding_display_until(locked.status, decided_on)
        locked.seal = seal_of(locked)
        locked.save(update_fields=["state", "is_current", "signed_by", "signed_at", "decided_on", "display_until",
                                   "seal"])
        Archive.objects.filter(pk=locked.archive_id).update(last_updated_at=timezone.now())
        department_work_changed()
        audit.record("archives.finding.signed", actor=by, target=locked, subject_ref=str(locked.archive.subject_id))
        emit_finding_signed(locked)
    return locked
