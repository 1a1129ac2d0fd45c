"""Foundation models: the user, the tamper-evident audit trail, the working-day calendar."""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib.auth.models import AbstractUser
from django.contrib.auth.models import UserManager as DjangoUserManager
from django.db import models, router
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from credit_portal.compiled import CompiledQuery
from credit_portal.fields import EncryptedTextField


class UserManager(DjangoUserManager):
    """Django's, with one shape of ``get`` read through SQL compiled once per process.

    ``ModelBackend.get_user`` runs ``User._default_manager.get(pk=<int>)`` on every request
    of a staff or institution session (citizens': ``disclosure.auth.PhoneBackend``); building
    and compiling that queryset cost more CPU than the statement (≈ 9 % of the query API's
    Python). The backend keeps its path (sessions name it), so the read is changed here.
    The same row, the same instance, ``DoesNotExist`` as Django raises it; any other
    ``get`` (other arguments, ``db_manager``, a subclass's manager) is Django's.
    """

    def get(self, *args: Any, **kwargs: Any) -> User:
        if args or self._db is not None or self.model is not User or kwargs.keys() != {"pk"} or type(kwargs["pk"]) is not int:
            return super().get(*args, **kwargs)
        user = read_user(kwargs["pk"])
        if user is None:
            raise User.DoesNotExist(f"{User._meta.object_name} matching query does not exist.")
        return user


class User(AbstractUser):
    """Every person who signs in: staff, citizens and institutions' staff alike.

    What a user may do comes from role groups (``credit_portal.roles``) and, for
    department staff, from ``departments.Membership``. Citizens are linked to exactly
    one ``archives.Subject`` through ``disclosure``.
    """

    full_name = models.CharField(_("full name"), max_length=100, blank=True)
    # Set when someone other than the owner chose the password (a new account, a reset
    # by the security administrator): the owner must choose their own at next sign-in.
    must_change_password = models.BooleanField(_("must change password at next sign-in"), default=False)
    credentials_reset_at = models.DateTimeField(_("credentials last reset"), null=True, blank=True)
    # Advanced whenever the user's role groups or department memberships change
    # (departments.scope): the access a session keeps is used only while it was read at
    # the version this row holds, and the row is read on every request.
    access_version = models.PositiveIntegerField(_("access version"), default=0, editable=False)

    objects = UserManager()

    class Meta(AbstractUser.Meta):
        verbose_name = _("user")
        verbose_name_plural = _("users")
        swappable = "AUTH_USER_MODEL"
        permissions = [
            ("assign_role", _("Can give others roles and department memberships")),
            ("reset_credentials", _("Can reset others' passwords and second factors")),
        ]

    def __str__(self) -> str:
        return self.full_name or self.username


# Reverse one-to-one relations read with the user in ``read_user``'s statement: whom a
# signed-in user acts for. Every signed-in request reads its user row (the backends'
# ``get_user``); a page that then asked for one of these rows paid a statement of its own
# for it. An app adds its relations in ``AppConfig.ready`` (disclosure: an institution's
# staff member with the institution), before the first read compiles the statement.
USER_READ_WITH: list[str] = []


def _user_by_pk(pk: int) -> models.QuerySet[User]:
    users = User.objects.filter(pk=pk)
    # Never ``select_related()`` without names: that would follow every foreign key.
    return users.select_related(*USER_READ_WITH) if USER_READ_WITH else users


_USER_BY_PK = CompiledQuery(_user_by_pk, fields={"pk": User._meta.pk}, sentinels={"pk": -1})


def read_user(pk: int) -> User | None:
    """The user with this id and the relations of ``USER_READ_WITH`` (cached on it: None
    where there is no such row), read through SQL compiled once per process; None when
    there is no such user. What ``User.objects.get(pk=pk)`` and the backends'
    ``get_user`` run."""
    found = _USER_BY_PK.objects(using=router.db_for_read(User), pk=pk)
    return found[0] if found else None


class AuditEntry(models.Model):
    """One append-only entry of the audit trail (DESIGN §8; docs/audit.md).

    ``content_mac`` is HMAC-SM3, keyed with ``AUDIT_HMAC_KEY`` (held outside the
    database), over the entry's content when it is written. A write is chained at once
    under the chain-head lock; a read is written unchained (``sequence`` NULL) and the
    background chainer gives it its place: ``sequence``, ``prev_hash``, ``entry_hash``
    (SM3 over content, content MAC and link) and ``chain_mac`` (HMAC-SM3 of that hash).
    On PostgreSQL, triggers refuse UPDATE, DELETE and TRUNCATE except the chainer's
    one-time setting of the chain fields of an unchained entry.
    """

    # 1: written before the keyed format (hash over content and link only, MACs added
    # by migration 0004); 2: the keyed format of credit_portal.audit.
    version = models.PositiveSmallIntegerField(_("format"), default=2)
    uid = models.CharField(_("entry id"), max_length=32, unique=True, null=True, blank=True, editable=False)
    sequence = models.PositiveBigIntegerField(_("sequence"), unique=True, null=True, blank=True)
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
    content_mac = models.CharField(_("content MAC"), max_length=64, blank=True)
    prev_hash = models.CharField(_("previous hash"), max_length=64, blank=True)
    entry_hash = models.CharField(_("hash"), max_length=64, unique=True, null=True, blank=True)
    chain_mac = models.CharField(_("chain MAC"), max_length=64, blank=True)
    # Which version of AUDIT_HMAC_KEY made content_mac (the writer's) and chain_mac (the
    # chain's, moved only by credit_portal.audit_anchor.rotate_key). docs/audit.md.
    key_version = models.PositiveSmallIntegerField(_("key version"), default=1)
    chain_key_version = models.PositiveSmallIntegerField(_("chain key version"), default=1)

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")
        ordering = ["id"]
        default_permissions = ("view",)
        permissions = [("purge_auditentry", _("Can purge audit entries past the retention period"))]
        indexes = [
            # The chainer's queue: unchained entries in the order they were written.
            models.Index(fields=["id"], condition=models.Q(sequence__isnull=True), name="audit_unchained"),
        ]

    def __str__(self) -> str:
        return f"#{self.sequence or '-'} {self.action}"


class AuditChainHead(models.Model):
    """The single row that chaining locks: the last chained entry and a MAC over it."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    sequence = models.PositiveBigIntegerField(default=0)
    last_hash = models.CharField(max_length=64)
    mac = models.CharField(max_length=64, blank=True)
    # The AUDIT_HMAC_KEY version the chain is MACed under from here on (head MAC included).
    key_version = models.PositiveSmallIntegerField(default=1)

    class Meta:
        default_permissions = ()
        constraints = [models.CheckConstraint(condition=models.Q(id=1), name="audit_chain_head_singleton")]

    def __str__(self) -> str:
        return f"audit chain head #{self.sequence}"


class UnchainableEntry(models.Model):
    """An unchained audit entry the chainer found it cannot chain (a wrong content MAC, a
    retired key), recorded so that its next runs leave it out of their batch: the
    chainer reads the oldest unchained entries first, and 5,000 such rows (written by
    someone without the key) stopped all chaining for good. The entry itself stays
    unchained, and ``verify_audit_chain`` names it; deleting a row here only makes the
    chainer look at that entry again."""

    entry_id = models.BigIntegerField(primary_key=True)
    found_at = models.DateTimeField(auto_now_add=True)
    reason = models.CharField(max_length=20)

    class Meta:
        default_permissions = ()

    def __str__(self) -> str:
        return f"unchainable audit entry {self.entry_id} ({self.reason})"


class AuditAnchor(models.Model):
    """A signed copy of the chain head at one moment, also delivered to the platform.

    ``periodic`` and ``on_demand`` anchors record the head; a ``purge`` anchor records the
    last entry removed by the retention purge, from which the remaining chain starts.
    ``mac`` is HMAC-SM3 with ``AUDIT_HMAC_KEY``. Append-only on PostgreSQL (triggers).
    """

    class Kind(models.TextChoices):
        PERIODIC = "periodic", _("periodic")
        ON_DEMAND = "on_demand", _("on demand")
        PURGE = "purge", _("retention purge")
        ROTATION = "rotation", _("audit key rotation")

    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    sequence = models.PositiveBigIntegerField(_("sequence"))
    head_hash = models.CharField(_("hash"), max_length=64)
    created_at = models.DateTimeField(_("time"))
    created_by = models.ForeignKey(
        "credit_portal.User",
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    mac = models.CharField(_("MAC"), max_length=64)
    # The AUDIT_HMAC_KEY version of ``mac``; a rotation anchor also names the version the
    # chain continues under after it.
    key_version = models.PositiveSmallIntegerField(_("key version"), default=1)
    rotated_to = models.PositiveSmallIntegerField(_("rotated to key version"), null=True, blank=True)

    class Meta:
        verbose_name = _("audit anchor")
        verbose_name_plural = _("audit anchors")
        ordering = ["id"]
        default_permissions = ("view",)

    def __str__(self) -> str:
        return f"{self.kind} #{self.sequence}"


class EnrolmentCode(models.Model):
    """A one-time code the security administrator issues so that one person may enrol a
    second factor (TOTP). Only its SM3 digest is stored; it expires and is used once."""

    user = models.ForeignKey("credit_portal.User", on_delete=models.CASCADE, related_name="enrolment_codes")
    code_digest = models.CharField(max_length=64, unique=True)
    # None: issued on the server's console at installation (manage.py issue_enrolment_code).
    issued_by = models.ForeignKey(
        "credit_portal.User", on_delete=models.PROTECT, related_name="+", verbose_name=_("issued by"),
        null=True, blank=True,
    )
    created_at = models.DateTimeField(_("issued"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires"))
    used_at = models.DateTimeField(_("used"), null=True, blank=True)

    class Meta:
        verbose_name = _("second-factor enrolment code")
        verbose_name_plural = _("second-factor enrolment codes")
        default_permissions = ("view",)

    def __str__(self) -> str:
        return f"enrolment code for user {self.user_id}"


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
