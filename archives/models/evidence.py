"""Evidence files backing a record, a finding or a proposed change."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from archives.models.findings import AnnualFinding
from archives.models.records import CreditRecord


def evidence_upload_to(instance: Evidence, filename: str) -> str:
    # A random name: the original filename (personal data, user-controlled) is kept
    # only in the database.
    return f"evidence/{instance.uploaded_at:%Y/%m}/{uuid.uuid4().hex}"


class Evidence(models.Model):
    """An uploaded file backing a record or a finding (佐证材料)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    file = models.FileField(_("file"), upload_to=evidence_upload_to, max_length=200)
    original_name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(_("type"), max_length=100)
    size = models.PositiveIntegerField(_("size"))
    digest = models.CharField(_("SM3 digest"), max_length=64)
    description = models.CharField(_("description"), max_length=200, blank=True)
    record = models.ForeignKey(
        CreditRecord, null=True, blank=True, on_delete=models.PROTECT, related_name="evidence"
    )
    finding = models.ForeignKey(
        AnnualFinding, null=True, blank=True, on_delete=models.PROTECT, related_name="evidence"
    )
    # Evidence for a proposed change that makes a record negative or more severe; on
    # approval it moves to the new version (``record``) and keeps this link.
    change = models.ForeignKey(
        "RecordChange", null=True, blank=True, on_delete=models.PROTECT, related_name="evidence"
    )
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(_("uploaded"))

    class Meta:
        verbose_name = _("evidence")
        verbose_name_plural = _("evidence")
        ordering = ["uploaded_at"]

    def __str__(self) -> str:
        return self.original_name
