"""A person's authorization for a stated purpose (《征信业管理条例》 art. 18, 20)."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from disclosure.models.institutions import Institution


class Purpose(models.TextChoices):
    """The purposes a person may authorize a query for."""

    RECRUITMENT = "recruitment", _("recruitment")
    APPOINTMENT = "appointment", _("appointment or promotion")
    AWARDS = "awards", _("awards and honours")
    LICENSING = "licensing", _("administrative licensing")
    BIDDING = "bidding", _("bidding and public procurement")
    FINANCIAL = "financial", _("financial services")
    OTHER = "other", _("other")


# The purposes' labels (lazy), for ``Authorization.purpose_label``.
_PURPOSE_LABELS = dict(Purpose.choices)


class Authorization(models.Model):
    """The subject's consent (授权) for one grantee, one purpose, a scope, a period and a
    number of uses. ``pending → active → used_up | expired | revoked`` (DESIGN §5);
    a request the subject turns down ends ``declined``.

    Empty scope lists mean "every archive" / "every category"; the consent receipt and
    every page say so in words. ``grantee`` null means anyone presenting the code.
    """

    class State(models.TextChoices):
        PENDING = "pending", _("awaiting your approval")
        ACTIVE = "active", _("active")
        USED_UP = "used_up", _("used up")
        EXPIRED = "expired", _("expired")
        REVOKED = "revoked", _("revoked")
        DECLINED = "declined", _("declined")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    reference = models.CharField(_("reference"), max_length=20, unique=True)
    subject = models.ForeignKey(
        "archives.Subject", on_delete=models.PROTECT, related_name="authorizations", verbose_name=_("subject"),
        # ``authorization_subject_state`` leads with the subject and serves its look-ups.
        db_index=False,
    )
    grantee = models.ForeignKey(
        Institution,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="authorizations",
        verbose_name=_("grantee"),
    )
    purpose = models.CharField(_("purpose"), max_length=20, choices=Purpose.choices)
    purpose_other = models.CharField(_("purpose (other)"), max_length=200, blank=True)
    occupations = models.ManyToManyField(
        "departments.Occupation", blank=True, related_name="+", verbose_name=_("archives (occupations)")
    )
    categories = models.ManyToManyField(
        "departments.RecordCategory", blank=True, related_name="+", verbose_name=_("record categories")
    )
    valid_from = models.DateTimeField(_("valid from"))
    valid_until = models.DateTimeField(_("valid until"))
    max_uses = models.PositiveSmallIntegerField(_("number of uses"))
    # The integrity points pilot (002 §二(四)3): points reach a third party only when the
    # person included them in this authorization.
    include_points = models.BooleanField(_("integrity points included"), default=False)
    uses = models.PositiveSmallIntegerField(_("uses so far"), default=0)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, db_index=True)
    code_hash = models.CharField(max_length=64, unique=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("requested by"),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    granted_at = models.DateTimeField(_("granted"), null=True, blank=True)
    ended_at = models.DateTimeField(_("ended"), null=True, blank=True)
    revoke_reason = models.CharField(_("reason"), max_length=200, blank=True)
    receipt = models.JSONField(_("consent receipt"), default=dict, blank=True)

    class Meta:
        verbose_name = _("authorization")
        verbose_name_plural = _("authorizations")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(uses__lte=F("max_uses")), name="authorization_uses_within_max"),
            models.CheckConstraint(condition=Q(valid_from__lt=F("valid_until")), name="authorization_period_order"),
            models.CheckConstraint(condition=Q(max_uses__gte=1), name="authorization_at_least_one_use"),
        ]
        indexes = [models.Index(fields=["subject", "state"], name="authorization_subject_state")]

    def __str__(self) -> str:
        return self.reference

    @property
    def receipt_number(self) -> str:
        """The consent receipt's number as the person reads and quotes it: the
        authorization's own reference (unique) grouped by date, so no UUID is shown."""
        digits = self.reference.removeprefix("SQ")
        return f"HZ-{digits[:8]}-{digits[8:]}" if len(digits) > 8 else f"HZ-{digits}"

    @property
    def purpose_label(self) -> str:
        # ``get_purpose_display()``: the field's choices are ``Purpose.choices``; the label
        # looked up in a dict built once (the display flattens the choices on each call),
        # translated when read.
        label = str(_PURPOSE_LABELS.get(self.purpose, self.purpose))
        if self.purpose == Purpose.OTHER and self.purpose_other:
            return f"{label}：{self.purpose_other}"
        return label

    def effective_state(self, now: object = None) -> str:
        """The state as of now: an active authorization past its end reads as expired
        even before the sweep marks it."""
        now = now or timezone.now()
        if self.state == self.State.ACTIVE and self.valid_until <= now:  # type: ignore[operator]
            return self.State.EXPIRED
        return self.state
