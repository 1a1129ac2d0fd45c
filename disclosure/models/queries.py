"""The trace every read of a person's record leaves (002 §二(三)1; 003 item 8; 004 item 14)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from disclosure.models.authorizations import Authorization, Purpose
from disclosure.models.institutions import Institution


class QueryLog(models.Model):
    """One read of a person's record by anyone but that person, granted or refused
    (查询记录; 002 §二(三)1, 003 item 8, 004 item 14). Visible to the person.

    ``subject`` is null when the name and number presented matched nobody; the
    presented values themselves are never stored.
    """

    class Outcome(models.TextChoices):
        GRANTED = "granted", _("granted")
        REFUSED = "refused", _("refused")

    class Reason(models.TextChoices):
        OK = "ok", _("granted")
        NOT_MATCHED = "not_matched", _("name, ID number and code do not match")
        NOT_GRANTEE = "not_grantee", _("the code was granted to another institution")
        PENDING = "pending", _("the authorization awaits the person's approval")
        NOT_YET_VALID = "not_yet_valid", _("the authorization is not valid yet")
        EXPIRED = "expired", _("the authorization has expired")
        REVOKED = "revoked", _("the authorization was revoked")
        DECLINED = "declined", _("the request was declined")
        USED_UP = "used_up", _("the authorization is used up")
        PURPOSE_MISMATCH = "purpose_mismatch", _("the purpose is not the authorized one")
        OUT_OF_SCOPE = "out_of_scope", _("the request goes beyond the authorized scope")
        NOT_INSTITUTION = "not_institution", _("the user does not act for a querying institution")
        RATE_LIMITED = "rate_limited", _("too many queries")

    class Channel(models.TextChoices):
        WEB = "web", _("web")
        API = "api", _("API")

    class Kind(models.TextChoices):
        REPORT = "report", _("credit report query")
        # 001 §四, 003 item 5, 004 item 23: a licensing or approving department checks for
        # three or more clean years (绿色通道); the person sees the check in their log.
        GREEN_CHANNEL = "green_channel", _("green channel check")

    class Matter(models.TextChoices):
        # The procedures of 004 item 23: "行政许可、行政确认、行政备案、补助申请、税收减免".
        LICENSING = "licensing", _("administrative licensing")
        CONFIRMATION = "confirmation", _("administrative confirmation")
        FILING = "filing", _("administrative filing")
        SUBSIDY = "subsidy", _("subsidy application")
        TAX_RELIEF = "tax_relief", _("tax relief")

    occurred_at = models.DateTimeField(_("time"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("queried by"),
    )
    institution = models.ForeignKey(
        Institution,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="queries",
        verbose_name=_("institution"),
    )
    subject = models.ForeignKey(
        "archives.Subject",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="queries",
        verbose_name=_("subject"),
        # ``querylog_subject_time`` leads with the subject and serves its look-ups.
        db_index=False,
    )
    authorization = models.ForeignKey(
        Authorization,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="queries",
        verbose_name=_("authorization"),
    )
    purpose = models.CharField(_("purpose"), max_length=20, choices=Purpose.choices)
    purpose_other = models.CharField(_("purpose (other)"), max_length=200, blank=True)
    outcome = models.CharField(_("outcome"), max_length=10, choices=Outcome.choices)
    reason = models.CharField(_("reason"), max_length=20, choices=Reason.choices)
    channel = models.CharField(_("channel"), max_length=5, choices=Channel.choices, default=Channel.WEB)
    kind = models.CharField(_("kind of query"), max_length=20, choices=Kind.choices, default=Kind.REPORT)
    # Green channel checks: the department that asked, the procedure, and the answer.
    department = models.ForeignKey(
        "departments.Department",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("department"),
    )
    matter = models.CharField(_("procedure"), max_length=20, choices=Matter.choices, blank=True)
    green_channel_met = models.BooleanField(_("green channel conditions met"), null=True, blank=True)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    report = models.OneToOneField(
        "CreditReport",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="query",
        verbose_name=_("report"),
    )
    result_digest = models.CharField(_("digest of the result"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("query log entry")
        verbose_name_plural = _("query log")
        ordering = ["-occurred_at", "-id"]
        indexes = [models.Index(fields=["subject", "-occurred_at"], name="querylog_subject_time")]

    def __str__(self) -> str:
        return f"{self.occurred_at:%Y-%m-%d %H:%M} {self.outcome}"

    @property
    def purpose_label(self) -> str:
        if self.kind == self.Kind.GREEN_CHANNEL:
            return f"{self.get_kind_display()}（{self.get_matter_display()}）：{self.purpose_other}"
        if self.purpose == Purpose.OTHER and self.purpose_other:
            return f"{self.get_purpose_display()}：{self.purpose_other}"
        return str(self.get_purpose_display())

    @property
    def was_blocked(self) -> bool:
        """Stopped by the portal's own guard (too many queries), not refused on the
        authorization's terms: the querying institution reads the two differently."""
        return self.reason == self.Reason.RATE_LIMITED
