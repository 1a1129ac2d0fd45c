"""Messages to a subject in the citizen portal."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from archives.models.records import CreditRecord
from archives.models.subjects import Subject


class Notice(models.Model):
    """A message to a subject shown in the citizen portal (and sent by SMS/e-mail).

    Before a negative record is published the subject is told (《征信业管理条例》
    art. 15); a penalty record carries the credit repair notice (信用修复告知书).
    """

    class Kind(models.TextChoices):
        PRE_PUBLICATION = "pre_publication", _("notice before publication of negative information")
        REPAIR_NOTICE = "repair_notice", _("credit repair notice")
        CASE_UPDATE = "case_update", _("case update")
        GENERAL = "general", _("general")

    subject = models.ForeignKey(Subject, on_delete=models.PROTECT, related_name="notices")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("message"))
    record = models.ForeignKey(CreditRecord, null=True, blank=True, on_delete=models.PROTECT, related_name="notices")
    created_at = models.DateTimeField(_("sent"), auto_now_add=True)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)

    class Meta:
        verbose_name = _("notice")
        verbose_name_plural = _("notices")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.title
