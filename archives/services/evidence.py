"""Evidence files: checked by content, stored under random names outside the web root."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from archives.models import AnnualFinding, CreditRecord, Evidence
from archives.selectors import can_act_on
from credit_portal import audit
from credit_portal.crypto import sm3_hexdigest
from departments.models import Membership

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
    by: object,
    record: CreditRecord | None = None,
    finding: AnnualFinding | None = None,
    description: str = "",
) -> Evidence:
    """Attach a checked file to a draft/returned record or a draft finding.

    Callers: clerks and reviewers of a department that may act on the archive.
    """
    if (record is None) == (finding is None):
        raise ValueError("Attach evidence to exactly one record or finding.")
    target = record if record is not None else finding
    archive = target.archive  # type: ignore[union-attr]
    if not (can_act_on(by, archive, role=Membership.Role.CLERK) or can_act_on(by, archive, role=Membership.Role.REVIEWER)):
        raise PermissionDenied(_("Only staff of the responsible department add evidence."))
    if record is not None and not record.is_editable and record.state != CreditRecord.State.SUBMITTED:
        raise ValidationError({"file": _("Evidence can only be added before the record is published.")})
    if finding is not None and finding.state != AnnualFinding.State.DRAFT:
        raise ValidationError({"file": _("Evidence can only be added to an unsigned finding.")})
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
            "evidence.attached", actor=by, target=evidence, subject_ref=str(archive.subject_id),
            detail={"digest": evidence.digest, "size": evidence.size},
        )
    return evidence
