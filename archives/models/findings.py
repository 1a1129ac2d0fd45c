"""The department's yearly credit-status findings on an archive."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from archives.models.subjects import Archive


class AnnualFinding(models.Model):
    """The department's yearly credit-status finding for one archive (001 annex:
    信用状况, signed with the department's seal). 守信 unless evidence shows otherwise."""

    class Status(models.TextChoices):
        TRUSTWORTHY = "trustworthy", _("trustworthy")
        WARNING = "warning", _("warning conduct")
        SERIOUS = "serious", _("serious dishonesty")

    class State(models.TextChoices):
        DRAFT = "draft", _("draft")
        SIGNED = "signed", _("signed")
        SUPERSEDED = "superseded", _("superseded")

    archive = models.ForeignKey(Archive, on_delete=models.PROTECT, related_name="findings", verbose_name=_("archive"))
    year = models.PositiveSmallIntegerField(_("year"))
    version = models.PositiveIntegerField(_("version"), default=1)
    is_current = models.BooleanField(default=True)
    status = models.CharField(_("credit status"), max_length=12, choices=Status.choices, default=Status.TRUSTWORTHY)
    basis = models.TextField(_("basis"))
    state = models.CharField(_("state"), max_length=12, choices=State.choices, default=State.DRAFT)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        verbose_name=_("signed by"),
    )
    signed_at = models.DateTimeField(_("signed"), null=True, blank=True)
    # The electronic seal (电子盖章): HMAC-SM3 over the finding's canonical content.
    seal = models.CharField(_("seal"), max_length=64, blank=True)
    # Set when signed (``services.findings.sign_finding``); see ``decided_on_for``.
    decided_on = models.DateField(_("decided"), null=True, blank=True)
    display_until = models.DateField(_("shown in reports until"), null=True, blank=True)

    class Meta:
        verbose_name = _("yearly finding")
        verbose_name_plural = _("yearly findings")
        ordering = ["-year", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["archive", "year", "version"], name="finding_version_unique"),
            models.UniqueConstraint(
                fields=["archive", "year"], condition=Q(is_current=True), name="finding_one_current_per_year"
            ),
        ]
        indexes = [
            # The review queue's draft findings to sign, oldest first (intake.selectors.
            # draft_findings_to_sign): a few drafts among a finding per archive and year,
            # which it read by scanning every finding.
            models.Index(fields=["created_at", "id"], name="finding_drafts", condition=Q(state="draft")),
            # The nightly retention purge's warning and serious findings past their 5 years
            # (``services.retention.purge_expired_findings``), among one finding per
            # archive and year that are mostly 守信.
            models.Index(fields=["decided_on"], name="finding_adverse_by_day",
                         condition=Q(status__in=["warning", "serious"])),
        ]

    def __str__(self) -> str:
        return f"{self.year} {self.get_status_display()}"

    # Which display tier a finding's status follows (DESIGN §7: the seeds' findings "sit
    # beside" the national tiers). 严重失信行为 is serious information; 警示行为 is adverse
    # but short of it, so it follows the general tier; 守信 follows positive information.
    # The tiers' periods are the display rules' (``DisplayRule``), never a second table.
    TIERS = {Status.TRUSTWORTHY: "positive", Status.WARNING: "general", Status.SERIOUS: "serious"}

    @property
    def is_adverse(self) -> bool:
        return self.status != self.Status.TRUSTWORTHY

    @property
    def needs_evidence(self) -> bool:
        # 001 annex, 填表说明 2: warning and serious findings carry their proof.
        return self.status != self.Status.TRUSTWORTHY
