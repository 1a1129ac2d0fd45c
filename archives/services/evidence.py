"""Evidence files: checked by content, stored under random names outside the web root."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from archives import permissions
from archives.models import AnnualFinding, CreditRecord, Evidence, RecordChange
from credit_portal import audit
from credit_portal.crypto import sm3_hexdigest

if TYPE_CHECKING:
    from credit_portal.models import User

MAX_EVIDENCE_BYTES = getattr(settings, "EVIDENCE_MAX_BYTES", 10 * 1024 * 1024)
MAX_IMAGE_PIXELS = 40_000_000


@dataclass(frozen=True)
class FileKind:
    content_type: str
    extensions: tuple[str, ...]
    magic: tuple[bytes, ...]


# Allowed types, recognized by their first bytes, never by the name or the browser's claim.
KINDS = (
    FileKind("application/pdf", (".pdf",), (b"%PDF-",)),
    FileKind("image/png", (".png",), (b"\x89PNG\r\n\x1a\n",)),
    FileKind("image/jpeg", (".jpg", ".jpeg"), (b"\xff\xd8\xff",)),
)


def detect_kind(head: bytes) -> FileKind | None:
    for kind in KINDS:
        if any(head.startswith(magic) for magic in kind.magic):
            return kind
    return None


def check_upload(upload: UploadedFile) -> tuple[FileKind, bytes]:
    """Validate an uploaded evidence file; return its kind and content.

    Size capped, type taken from the content (magic bytes) and required to match the
    file's extension, images bounded in pixels (decompression bombs), so a file never
    claims to be what it is not (DESIGN §8).
    """
    if upload.size is None or upload.size == 0:
        raise ValidationError({"file": _("The file is empty.")})
    if upload.size > MAX_EVIDENCE_BYTES:
        raise ValidationError(
            {"file": _("The file is larger than %(limit)d MB.") % {"limit": MAX_EVIDENCE_BYTES // (1024 * 1024)}}
        )
    content = upload.read()
    kind = detect_kind(content[:16])
    if kind is None:
        raise ValidationError({"file": _("The file must be a PDF, PNG or JPEG document.")})
    name = (upload.name or "").lower()
    if not name.endswith(kind.extensions):
        raise ValidationError({"file": _("The file's content does not match its name: it is not what it claims to be.")})
    if kind.content_type.startswith("image/"):
        from io import BytesIO

        from PIL import Image

        try:
            with Image.open(BytesIO(content)) as image:
                width, height = image.size
                if width * height > MAX_IMAGE_PIXELS:
                    raise ValidationError({"file": _("The image is too large in pixels.")})
                image.verify()
        except ValidationError:
            raise
        except Exception:  # noqa: BLE001 - any decoder error means a broken or hostile image
            raise ValidationError({"file": _("The image file is damaged.")}) from None
    return kind, content


def attach_evidence(
    upload: UploadedFile,
    *,
    by: User,
    record: CreditRecord | None = None,
    finding: AnnualFinding | None = None,
    change: RecordChange | None = None,
    description: str = "",
) -> Evidence:
    """Attach a checked file to a draft/returned/submitted record, a draft finding or a
    pending proposed change.

    Callers: clerks and reviewers of a department that may act on the archive.
    """
    if sum(target is not None for target in (record, finding, change)) != 1:
        raise ValueError("Attach evidence to exactly one record, finding or proposed change.")
    if record is not None:
        archive = record.archive
        if not record.is_editable and record.state != CreditRecord.State.SUBMITTED:
            raise ValidationError({"file": _("Evidence can only be added before the record is published.")})
        allowed = permissions.can_add_record_evidence(by, record)
    elif finding is not None:
        archive = finding.archive
        if finding.state != AnnualFinding.State.DRAFT:
            raise ValidationError({"file": _("Evidence can only be added to an unsigned finding.")})
        allowed = permissions.can_add_finding_evidence(by, finding)
    elif change is not None:
        archive = change.record.archive
        if not change.is_pending:
            raise ValidationError({"file": _("Evidence can only be added while the change awaits approval.")})
        allowed = permissions.can_add_change_evidence(by, change)
    else:
        raise ValueError("Attach evidence to exactly one record, finding or proposed change.")
    if not allowed:
        raise PermissionDenied(_("Only staff of the responsible department add evidence."))
    kind, content = check_upload(upload)
    from django.core.files.base import ContentFile

    with transaction.atomic():
        evidence = Evidence(
            original_name=(upload.name or "evidence")[:200],
            content_type=kind.content_type,
            size=len(content),
            digest=sm3_hexdigest(content),
            description=description.strip()[:200],
            record=record,
            finding=finding,
            change=change,
            uploaded_by=by,
            uploaded_at=timezone.now(),
        )
        evidence.file.save("upload", ContentFile(content), save=False)
        try:
            evidence.save(force_insert=True)
        except Exception:
            evidence.file.delete(save=False)
            raise
        audit.record(
            "archives.evidence.attached", actor=by, target=evidence, subject_ref=str(archive.subject_id),
            detail={"digest": evidence.digest, "size": evidence.size},
        )
    return evidence


def delete_evidence(evidence: Evidence, *, by: User) -> None:
    """Take away an evidence file that is not yet part of anything published or signed
    (a draft, a returned or submitted record, a draft finding, a pending change)."""
    with transaction.atomic():
        locked = Evidence.objects.select_for_update(of=("self",)).select_related(
            "record__archive", "finding__archive", "change__record__archive"
        ).get(pk=evidence.pk)
        if not permissions.can_delete_evidence(by, locked):
            raise PermissionDenied(_("This evidence can no longer be removed."))
        target = locked.record or locked.finding or locked.change.record  # type: ignore[union-attr]
        audit.record(
            "archives.evidence.deleted", actor=by, target=locked, subject_ref=str(target.archive.subject_id),
            detail={"digest": locked.digest},
        )
        stored = locked.file.name
        locked.delete()
        transaction.on_commit(lambda: locked.file.storage.delete(stored))


def delete_files_on_commit(names: list[str]) -> None:
    """Delete stored evidence files once the transaction that deleted their rows commits:
    a rollback keeps the rows and the files together."""

    def remove_files() -> None:
        from django.core.files.storage import default_storage

        for name in names:
            default_storage.delete(name)

    transaction.on_commit(remove_files)
