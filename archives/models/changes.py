"""Proposed corrections and withdrawals of published records (four eyes)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from archives.models.records import CreditRecord


class RecordChange(models.Model):
    """A proposed correction or withdrawal of a published record (four eyes, DESIGN §5).

    Nothing others see changes on one person's word: a clerk or reviewer proposes,
    another reviewer of a responsible department approves, and only then does the
    record get its new version (correction) or its withdrawn state. A change that
    makes the record negative or more severe follows the negative-record path:
    evidence before approval, a notice to the person before publication
    (《征信业管理条例》 art. 15), the display period from the rules.
    """

    class Kind(models.TextChoices):
        CORRECTION = "correction", _("correction")
        WITHDRAWAL = "withdrawal", _("withdrawal")

    class State(models.TextChoices):
        PENDING = "pending", _("awaiting approval")
        APPROVED = "approved", _("approved")
        REJECTED = "rejected", _("not approved")
        CANCELLED = "cancelled", _("cancelled")

    record = models.ForeignKey(
        CreditRecord, on_delete=models.PROTECT, related_name="changes", verbose_name=_("record")
    )
    kind = models.CharField(_("kind of change"), max_length=12, choices=Kind.choices)
    # The new field values, JSON-ready: foreign keys as ids, dates as ISO strings.
    changes = models.JSONField(_("changes"), default=dict, blank=True)
    reason = models.TextField(_("reason for the change"), max_length=2000)
    escalates = models.BooleanField(_("makes the record negative or more severe"), default=False)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.PENDING)
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("proposed by")
    )
    proposed_at = models.DateTimeField(_("proposed"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decision_reason = models.TextField(_("reason for the decision"), blank=True, max_length=2000)
    result = models.OneToOneField(
        CreditRecord, null=True, blank=True, on_delete=models.PROTECT, related_name="created_by_change",
        verbose_name=_("resulting version"),
    )

    class Meta:
        verbose_name = _("proposed change")
        verbose_name_plural = _("proposed changes")
        ordering = ["-proposed_at", "-id"]
        constraints = [
            # One open proposal per record version: a second one would race the first.
            models.UniqueConstraint(fields=["record"], condition=Q(state="pending"), name="record_one_pending_change"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.record_id}"

    @property
    def is_pending(self) -> bool:
        return self.state == self.State.PENDING
