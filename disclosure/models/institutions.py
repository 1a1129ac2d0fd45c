"""Institutions that query with a person's authorization, their staff and their API keys."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from rest_framework_api_key.models import AbstractAPIKey, APIKeyManager


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
        "departments.Department",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="institution",
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
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("issued by"),
    )
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)

    objects = APIKeyManager()

    class Meta(AbstractAPIKey.Meta):
        verbose_name = _("institution API key")
        verbose_name_plural = _("institution API keys")
        ordering = ["-created"]
