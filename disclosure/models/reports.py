"""Credit reports issued, and the content a report must carry."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from disclosure.models.authorizations import Authorization, Purpose
from disclosure.models.institutions import Institution


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
        Institution,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reports",
        verbose_name=_("issued to"),
    )
    authorization = models.ForeignKey(
        Authorization,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reports",
        verbose_name=_("authorization"),
    )
    issued_at = models.DateTimeField(_("issued"))
    issued_to_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("issued to user")
    )
    content = models.JSONField(_("content"))
    digest = models.CharField(_("SM3 digest"), max_length=64)
    # Set when the content was deleted because it quoted negative information past its
    # 5-year retention (《征信业管理条例》 art. 16; ``services.report_retention.purge_expired_content``):
    # the number, the issue and the digest stay, so the verification still recognises it.
    content_purged_at = models.DateTimeField(_("content deleted"), null=True, blank=True)
    # Keyed seal of that deletion (``services.report_retention.purge_seal``): without it, a report
    # emptied and marked purged in the database reads as altered.
    purge_seal = models.CharField(_("seal of the deletion"), max_length=64, blank=True)
    # The earliest decision date of the negative information the report quotes: the
    # retention sweep's look-up (index ``report_negative_to_purge``).
    oldest_negative_on = models.DateField(_("oldest negative decision quoted"), null=True, blank=True)

    class Meta:
        verbose_name = _("credit report")
        verbose_name_plural = _("credit reports")
        ordering = ["-issued_at"]
        indexes = [
            # The retention sweep: reports quoting negative information, not yet blanked.
            models.Index(fields=["oldest_negative_on"], name="report_negative_to_purge",
                         condition=models.Q(content_purged_at__isnull=True, oldest_negative_on__isnull=False)),
        ]

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
        "departments.RecordCategory",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("category"),
        help_text=_('Only for the content "every effective record of one category".'),
    )
    source = models.CharField(
        _("legal basis"),
        max_length=500,
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
                fields=["purpose", "category"],
                condition=Q(category__isnull=False),
                name="mandatory_content_unique_category",
            ),
        ]

    def __str__(self) -> str:
        if self.content == self.Content.CATEGORY and self.category_id:
            return f"{self.get_purpose_display()}: {self.category}"
        return f"{self.get_purpose_display()}: {self.get_content_display()}"
