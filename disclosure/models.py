"""Disclosure: who may read a person's credit record, and the trace every read leaves.

Seeds: personal credit records are queried only by the person or with the person's
authorization (001 §三(六); 003 item 4; 004 item 20); query use is registered and
reviewed (002 §二(三)1; 003 item 8; 004 item 14). Law: a third party needs the
person's consent for a stated purpose and may use the result for nothing else
(《征信业管理条例》 art. 18, 20). DESIGN §5 (authorization lifecycle), §6, §7.

Secrets (one-time codes, authorization codes) are stored only as keyed HMAC-SM3
digests; the clear value is shown once and never kept.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework_api_key.models import AbstractAPIKey, APIKeyManager


class Purpose(models.TextChoices):
    """The purposes a person may authorize a query for."""

    RECRUITMENT = "recruitment", _("recruitment")
    APPOINTMENT = "appointment", _("appointment or promotion")
    AWARDS = "awards", _("awards and honours")
    LICENSING = "licensing", _("administrative licensing")
    BIDDING = "bidding", _("bidding and public procurement")
    FINANCIAL = "financial", _("financial services")
    OTHER = "other", _("other")


class CitizenProfile(models.Model):
    """A citizen account linked to exactly one subject (信用主体本人).

    Created only by ``disclosure.services.registration`` after the person proved control of
    the phone a department holds for that subject (or through a government single
    sign-on provider): the ID number alone never links an account.
    """

    class Method(models.TextChoices):
        SMS = "sms", _("one-time code to the phone on file")
        OIDC = "oidc", _("government single sign-on")
        ADMIN = "admin", _("verified in person by the credit office")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="citizen_profile", verbose_name=_("user")
    )
    subject = models.OneToOneField(
        "archives.Subject", on_delete=models.PROTECT, related_name="citizen_profile", verbose_name=_("subject")
    )
    verified_at = models.DateTimeField(_("verified"))
    method = models.CharField(_("verified by"), max_length=10, choices=Method.choices)
    # The mobile number the citizen signs in with, only as a keyed HMAC-SM3 blind index
    # (``disclosure.phones.phone_index``): the user name is a random handle, so no
    # table holds the number in clear (DESIGN §8).
    phone_index = models.CharField(_("sign-in phone (index)"), max_length=64, null=True, blank=True, unique=True)

    class Meta:
        verbose_name = _("citizen account")
        verbose_name_plural = _("citizen accounts")

    def __str__(self) -> str:
        return str(self.user)


class PendingRegistration(models.Model):
    """A registration waiting for its one-time code (5 minutes, single use, attempts capped).

    A row is written whether or not the name and number match a subject, so the next
    page behaves the same either way; ``subject`` is null when nothing matched and then
    no code was sent and none can succeed. The code is kept only as an HMAC-SM3 digest
    bound to this row; the password only as a Django password hash.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    subject = models.ForeignKey(
        "archives.Subject", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    # The sign-in phone the applicant typed, as its blind index only.
    phone_index = models.CharField(_("sign-in phone (index)"), max_length=64)
    password_hash = models.CharField(max_length=256)
    code_hash = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires"))
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    used_at = models.DateTimeField(_("used"), null=True, blank=True)

    class Meta:
        verbose_name = _("pending registration")
        verbose_name_plural = _("pending registrations")
        indexes = [models.Index(fields=["expires_at"], name="pending_registration_expiry")]

    def __str__(self) -> str:
        return str(self.pk)


class PasswordReset(models.Model):
    """A forgotten-password request waiting for its one-time code.

    Written whether or not the phone belongs to an account, so the next page is the
    same either way; ``user`` is null when nothing matched (no code was sent, none can
    succeed). The code goes to the phone the department has on file for the person,
    as at registration, and is kept only as an HMAC-SM3 digest bound to this row.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    code_hash = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires"))
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    verified_at = models.DateTimeField(_("verified"), null=True, blank=True)
    used_at = models.DateTimeField(_("used"), null=True, blank=True)

    class Meta:
        verbose_name = _("password reset")
        verbose_name_plural = _("password resets")
        indexes = [models.Index(fields=["expires_at"], name="password_reset_expiry")]

    def __str__(self) -> str:
        return str(self.pk)


class Institution(models.Model):
    """A querying institution (查询机构): an employer, a bank, or a department acting
    for its own procedures. Registered by the credit office."""

    class Kind(models.TextChoices):
        ENTERPRISE = "enterprise", _("enterprise or employer")
        FINANCIAL = "financial", _("financial institution")
        PUBLIC_BODY = "public_body", _("public body or department")
        OTHER = "other", _("other organisation")

    name = models.CharField(_("name"), max_length=200)
    credit_code = models.CharField(_("unified social credit code"), max_length=18, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.ENTERPRISE)
    # A department querying another department's records for its own procedures
    # (DESIGN §6) acts as the institution linked to it.
    department = models.OneToOneField(
        "departments.Department", null=True, blank=True, on_delete=models.PROTECT, related_name="institution",
        verbose_name=_("department"),
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("registered"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("querying institution")
        verbose_name_plural = _("querying institutions")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class InstitutionStaff(models.Model):
    """A user who queries on behalf of an institution (one institution per user)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="institution_staff", verbose_name=_("user")
    )
    institution = models.ForeignKey(
        Institution, on_delete=models.CASCADE, related_name="staff", verbose_name=_("institution")
    )
    added_at = models.DateTimeField(_("added"), auto_now_add=True)

    class Meta:
        verbose_name = _("institution staff member")
        verbose_name_plural = _("institution staff")

    def __str__(self) -> str:
        return f"{self.user} – {self.institution}"


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
        "archives.Subject", on_delete=models.PROTECT, related_name="authorizations", verbose_name=_("subject")
    )
    grantee = models.ForeignKey(
        Institution, null=True, blank=True, on_delete=models.PROTECT, related_name="authorizations",
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
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
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
    def uses_left(self) -> int:
        return self.max_uses - self.uses

    @property
    def purpose_label(self) -> str:
        if self.purpose == Purpose.OTHER and self.purpose_other:
            return f"{self.get_purpose_display()}：{self.purpose_other}"
        return str(self.get_purpose_display())

    def effective_state(self, now: object = None) -> str:
        """The state as of now: an active authorization past its end reads as expired
        even before the sweep marks it."""
        now = now or timezone.now()
        if self.state == self.State.ACTIVE and self.valid_until <= now:  # type: ignore[operator]
            return self.State.EXPIRED
        return self.state


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
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        verbose_name=_("queried by"),
    )
    institution = models.ForeignKey(
        Institution, null=True, blank=True, on_delete=models.PROTECT, related_name="queries",
        verbose_name=_("institution"),
    )
    subject = models.ForeignKey(
        "archives.Subject", null=True, blank=True, on_delete=models.PROTECT, related_name="queries",
        verbose_name=_("subject"),
    )
    authorization = models.ForeignKey(
        Authorization, null=True, blank=True, on_delete=models.PROTECT, related_name="queries",
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
        "departments.Department", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        verbose_name=_("department"),
    )
    matter = models.CharField(_("procedure"), max_length=20, choices=Matter.choices, blank=True)
    green_channel_met = models.BooleanField(_("green channel conditions met"), null=True, blank=True)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    report = models.OneToOneField(
        "CreditReport", null=True, blank=True, on_delete=models.PROTECT, related_name="query",
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


class CreditReport(models.Model):
    """A frozen, numbered credit report (信用报告): the JSON snapshot and its SM3 digest.

    The verification code is not stored: it is a keyed HMAC-SM3 of the number and the
    digest (``disclosure.services.reports.verification_code``), printed on the report,
    so only whoever holds the report can prove it genuine on the public page.
    """

    class Kind(models.TextChoices):
        THIRD_PARTY = "third_party", _("for an authorized institution")
        SELF = "self", _("for the person themself")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    number = models.CharField(_("report number"), max_length=24, unique=True)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    subject = models.ForeignKey(
        "archives.Subject", on_delete=models.PROTECT, related_name="reports", verbose_name=_("subject")
    )
    institution = models.ForeignKey(
        Institution, null=True, blank=True, on_delete=models.PROTECT, related_name="reports",
        verbose_name=_("issued to"),
    )
    authorization = models.ForeignKey(
        Authorization, null=True, blank=True, on_delete=models.PROTECT, related_name="reports",
        verbose_name=_("authorization"),
    )
    issued_at = models.DateTimeField(_("issued"))
    issued_to_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("issued to user")
    )
    content = models.JSONField(_("content"))
    digest = models.CharField(_("SM3 digest"), max_length=64)

    class Meta:
        verbose_name = _("credit report")
        verbose_name_plural = _("credit reports")
        ordering = ["-issued_at"]

    def __str__(self) -> str:
        return self.number


class MandatoryContent(models.Model):
    """What a report for one purpose must contain whatever the person ticks (法定必含内容).

    Data the credit office keeps with its legal basis: each rule names its source, a
    rule without one is refused (form, admin and a database constraint). The person may
    add categories to an authorization, never remove these; the query function applies
    them again when it builds the report (``disclosure.services.mandatory``).
    """

    class Content(models.TextChoices):
        NEGATIVE_RECORDS = "negative_records", _("every effective negative record of the authorized archives")
        LATEST_FINDING = "latest_finding", _("the latest yearly finding of each authorized archive")
        CATEGORY = "category", _("every effective record of one category")

    purpose = models.CharField(_("purpose"), max_length=20, choices=Purpose.choices)
    content = models.CharField(_("mandatory content"), max_length=20, choices=Content.choices)
    category = models.ForeignKey(
        "departments.RecordCategory", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        verbose_name=_("category"), help_text=_('Only for the content "every effective record of one category".'),
    )
    source = models.CharField(
        _("legal basis"), max_length=500,
        help_text=_("The law or policy document that makes this content mandatory, with its article."),
    )
    is_active = models.BooleanField(_("in force"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("mandatory report content")
        verbose_name_plural = _("mandatory report content")
        ordering = ["purpose", "content", "category_id"]
        constraints = [
            models.CheckConstraint(condition=~Q(source=""), name="mandatory_content_has_source"),
            models.CheckConstraint(
                condition=(Q(content="category") & Q(category__isnull=False))
                | (~Q(content="category") & Q(category__isnull=True)),
                name="mandatory_content_category_iff_kind",
            ),
            models.UniqueConstraint(
                fields=["purpose", "content"], condition=Q(category__isnull=True), name="mandatory_content_unique_kind"
            ),
            models.UniqueConstraint(
                fields=["purpose", "category"], condition=Q(category__isnull=False),
                name="mandatory_content_unique_category",
            ),
        ]

    def __str__(self) -> str:
        if self.content == self.Content.CATEGORY and self.category_id:
            return f"{self.get_purpose_display()}: {self.category}"
        return f"{self.get_purpose_display()}: {self.get_content_display()}"


class InstitutionAPIKey(AbstractAPIKey):
    """A key an institution's system presents to the API (``Authorization: Api-Key …``).

    Issued, listed and revoked by the credit office (``services.institutions``); the
    key itself is shown once and stored only hashed (djangorestframework-api-key). A
    key acts as one staff account of its institution, so every query it makes is
    logged and audited under that account exactly as a query from the web form is.
    """

    institution = models.ForeignKey(
        Institution, on_delete=models.CASCADE, related_name="api_keys", verbose_name=_("institution")
    )
    acts_as = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("acts as")
    )
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        verbose_name=_("issued by"),
    )
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)

    objects = APIKeyManager()

    class Meta(AbstractAPIKey.Meta):
        verbose_name = _("institution API key")
        verbose_name_plural = _("institution API keys")
        ordering = ["-created"]
