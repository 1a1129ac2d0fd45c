"""Foundation models: the user, the tamper-evident audit trail, the working-day calendar."""

from __future__ import annotations

import uuid

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from credit_portal.fields import EncryptedTextField


class User(AbstractUser):
    """Every person who signs in: staff, citizens and institutions' staff alike.

    What a user may do comes from role groups (``credit_portal.roles``) and, for
    department staff, from ``departments.Membership``. Citizens are linked to exactly
    one ``archives.Subject`` through ``disclosure``.
    """

    full_name = models.CharField(_("full name"), max_length=100, blank=True)

    class Meta(AbstractUser.Meta):
        verbose_name = _("user")
        verbose_name_plural = _("users")
        swappable = "AUTH_USER_MODEL"

    def __str__(self) -> str:
        return self.full_name or self.username


class AuditEntry(models.Model):
    """One append-only entry of the audit trail (DESIGN §8).

    ``entry_hash`` is SM3 over the entry's canonical content and ``prev_hash``, so
    editing or deleting any entry breaks every later link. Entries are written only by
    ``credit_portal.audit.record`` under the chain-head lock; on PostgreSQL, triggers
    refuse UPDATE, DELETE and TRUNCATE.
    """

    sequence = models.PositiveBigIntegerField(_("sequence"), unique=True)
    created_at = models.DateTimeField(_("time"), db_index=True)
    # No database constraint and no cascade: a user row may change, the trail may not.
    actor = models.ForeignKey(
        "credit_portal.User",
        verbose_name=_("actor"),
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    actor_label = models.CharField(_("actor"), max_length=150, blank=True)
    action = models.CharField(_("action"), max_length=64, db_index=True)
    object_type = models.CharField(_("object type"), max_length=64, blank=True)
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    # The person whose record was read or written, as their subject id: lets an
    # auditor list every access to one person without storing who they are.
    subject_ref = models.CharField(_("subject"), max_length=64, blank=True, db_index=True)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    detail = models.JSONField(_("detail"), default=dict, blank=True)
    prev_hash = models.CharField(_("previous hash"), max_length=64)
    entry_hash = models.CharField(_("hash"), max_length=64, unique=True)

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")
        ordering = ["sequence"]
        default_permissions = ("view",)

    def __str__(self) -> str:
        return f"#{self.sequence} {self.action}"


class AuditChainHead(models.Model):
    """The single row that writers lock to append to the chain one at a time."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    sequence = models.PositiveBigIntegerField(default=0)
    last_hash = models.CharField(max_length=64)

    class Meta:
        default_permissions = ()
        constraints = [models.CheckConstraint(condition=models.Q(id=1), name="audit_chain_head_singleton")]

    def __str__(self) -> str:
        return f"audit chain head #{self.sequence}"


class CalendarDay(models.Model):
    """An exception to the Monday-to-Friday week on the official calendar.

    A ``holiday`` is a weekday off (国务院办公厅 holiday notice); a ``workday`` is a
    weekend day worked in exchange (调休上班). The credit office adds next year's days
    when the State Council publishes them.
    """

    class Kind(models.TextChoices):
        HOLIDAY = "holiday", _("public holiday")
        WORKDAY = "workday", _("make-up working day")

    date = models.DateField(_("date"), unique=True)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=50, blank=True)
    source = models.CharField(_("source"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("calendar day")
        verbose_name_plural = _("calendar days")
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date} {self.get_kind_display()} {self.name}"


class SMSMessage(models.Model):
    """One text message to send: the truth of the SMS queue (``credit_portal.notify``).

    Written in the transaction of the change that causes it, so a rolled-back change
    sends nothing and a committed one is never lost: the Celery task sends it, retried
    with backoff, and a beat sweep picks up whatever a lost task left behind. ``key``
    names what the message is for (``notice:<id>``, ``registration:<id>``) and is
    unique, so asking twice sends once. Number and text (which may hold a one-time
    code) are stored encrypted.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    key = models.CharField(_("purpose"), max_length=120, unique=True)
    phone = EncryptedTextField(_("phone"))
    body = EncryptedTextField(_("message"))
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    claimed_until = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True, db_index=True)
    failed_at = models.DateTimeField(_("given up"), null=True, blank=True)
    last_error = models.CharField(_("last error"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("text message")
        verbose_name_plural = _("text messages")
        default_permissions = ("view",)

    def __str__(self) -> str:
        return self.key
