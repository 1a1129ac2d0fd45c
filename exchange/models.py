"""The outbox, the platforms it delivers to, and the platform's receiving ledger (DESIGN §9)."""

from __future__ import annotations

import uuid

from django.db import models
from django.db.models import Q
from django.db.models.fields.json import KeyTransform
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class MunicipalPlatform(models.Model):
    """A receiving endpoint of the municipal public credit information platform
    (市公共信用信息平台, seeds 000 §三(一), 001 §三(四)(五)).

    ``signing_key_setting`` names the Django setting (or, failing that, the environment
    variable) that holds the shared HMAC-SM3 key: the key itself never sits in the
    database. ``embedded`` marks the in-process default that delivers to this
    deployment's own ledger through the same receiving function as the HTTP endpoint.
    """

    name = models.CharField(_("name"), max_length=100, unique=True)
    url = models.URLField(_("endpoint URL"), max_length=500, blank=True)
    signing_key_setting = models.CharField(
        _("signing key setting"),
        max_length=100,
        default="PLATFORM_SIGNING_KEY",
        help_text=_("Name of the setting or environment variable holding the key, never the key itself."),
    )
    active = models.BooleanField(_("active"), default=True)
    embedded = models.BooleanField(_("embedded (in-process)"), default=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("municipal platform endpoint")
        verbose_name_plural = _("municipal platform endpoints")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(embedded=True) | ~models.Q(url=""), name="platform_url_unless_embedded"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class OutboxEvent(models.Model):
    """An event written in the same transaction as the change it describes.

    The table is the source of truth for delivery, not the Celery queue. ``id`` is the
    idempotency key the platform acknowledges, so a repeated delivery changes nothing.
    ``state`` is delivered once every active platform acknowledged the event
    (``PlatformDelivery`` rows); ``next_attempt_at`` is when it is due next. A sender's
    claim is an ``OutboxLease`` row, not a change of this row, so a killed sender's
    claim simply runs out. ``attempts`` counts the attempts that ended (delivered,
    retried, failed); the lease counts the one in flight.
    """

    class State(models.TextChoices):
        PENDING = "pending", _("pending")
        DELIVERED = "delivered", _("delivered")
        FAILED = "failed", _("failed")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    event_type = models.CharField(_("event type"), max_length=64)
    schema_version = models.PositiveSmallIntegerField(_("schema version"), default=1)
    aggregate_type = models.CharField(_("object type"), max_length=64)
    aggregate_id = models.CharField(_("object id"), max_length=64)
    payload = models.JSONField(_("payload"))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True, default=timezone.now)
    delivered_at = models.DateTimeField(_("delivered"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    # Set when the information the event describes was purged (retention, 《征信业管理条例》
    # art. 16) and its payload blanked: ``original_digest`` is the SM3 digest of the
    # envelope as it was sent, which reconciliation compares with the ledger's digest.
    purged_at = models.DateTimeField(_("content purged"), null=True, blank=True)
    original_digest = models.CharField(_("SM3 digest of the event as sent"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("outbox event")
        verbose_name_plural = _("outbox events")
        ordering = ["created_at"]
        indexes = [
            # Only pending events are ever claimed: a delivered or failed event leaves
            # this index (its delivered mark inserts no entry here), which stays the size
            # of the backlog however long the table grows.
            models.Index(fields=["next_attempt_at"], condition=models.Q(state="pending"), name="outbox_due_pending"),
            # The operations page's reads (pending and failed counts, the oldest pending
            # event, the latest errors) are about events not delivered: a delivered event
            # leaves this index too, instead of every event staying in one on created_at.
            models.Index(fields=["created_at"], condition=~models.Q(state="delivered"), name="outbox_undelivered"),
            # The delivery alert counts events that gave up (exchange.outbox.delivery_alert,
            # on /healthz and the credit office's queue): through the index above it would
            # step over every pending event of a backlog (14 ms at 50,000); failed events
            # are few, and this index holds only them.
            models.Index(fields=["created_at"], condition=models.Q(state="failed", purged_at__isnull=True),
                         name="outbox_failed_unpurged"),
            # The retention purge finds the events about a lineage by type (exchange.outbox.redact);
            # a plain index (the field's db_index also made a LIKE twin nothing uses).
            models.Index(fields=["event_type"], name="outbox_event_type"),
            # The retention purge finds the events about a record (exchange.outbox.redact).
            models.Index(fields=["aggregate_type", "aggregate_id"], name="outbox_aggregate"),
        ]

    def __str__(self) -> str:
        return f"{self.event_type} {self.aggregate_type}:{self.aggregate_id}"


class OutboxLease(models.Model):
    """A sender's claim on a pending event: until ``leased_until`` no other sender takes
    it. Kept apart from the wide outbox row so that claiming writes one narrow row with
    one index instead of rewriting the event with all its indexes; the delivered mark
    (or a retry, or the failure) deletes it. A sender that dies leaves its leases to run
    out, then the next claim takes the events over (``attempts`` counts every claim,
    the dead sender's too)."""

    event = models.OneToOneField(OutboxEvent, on_delete=models.CASCADE, primary_key=True, related_name="lease")
    leased_until = models.DateTimeField(_("leased until"))
    attempts = models.PositiveIntegerField(_("attempts"))

    class Meta:
        verbose_name = _("outbox lease")
        verbose_name_plural = _("outbox leases")

    def __str__(self) -> str:
        return f"{self.event_id} until {self.leased_until:%Y-%m-%d %H:%M:%S}"


class PlatformDelivery(models.Model):
    """One platform's acknowledgement of one event (推送 → 平台回执)."""

    # No index of its own: the unique constraint below leads with the event, so it serves
    # the look-ups by event (and the cascade) and each acknowledgement updates one index fewer.
    event = models.ForeignKey(OutboxEvent, on_delete=models.CASCADE, related_name="deliveries", db_index=False)
    platform = models.ForeignKey(MunicipalPlatform, on_delete=models.PROTECT, related_name="deliveries")
    acknowledged_at = models.DateTimeField(_("acknowledged"), default=timezone.now)
    receipt = models.CharField(_("receipt"), max_length=10)  # accepted | duplicate

    class Meta:
        verbose_name = _("platform delivery")
        verbose_name_plural = _("platform deliveries")
        constraints = [models.UniqueConstraint(fields=["event", "platform"], name="delivery_once_per_platform")]

    def __str__(self) -> str:
        return f"{self.event_id} → {self.platform_id}"


class PlatformLedgerEntry(models.Model):
    """The receiving platform's ledger: each event stored once, by its idempotency key.

    This deployment hosts the platform's receiving side too (DESIGN §9), so one install
    works end to end. A repeated event meets the unique key and changes nothing.
    """

    idempotency_key = models.UUIDField(_("idempotency key"), unique=True)
    event_type = models.CharField(_("event type"), max_length=64)
    schema_version = models.PositiveSmallIntegerField(_("schema version"))
    occurred_at = models.DateTimeField(_("occurred"))
    aggregate_type = models.CharField(_("object type"), max_length=64)
    aggregate_id = models.CharField(_("object id"), max_length=64)
    payload = models.JSONField(_("payload"))
    digest = models.CharField(_("SM3 digest of the event"), max_length=64)
    source = models.CharField(_("source"), max_length=100)
    received_at = models.DateTimeField(_("received"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("platform ledger entry")
        verbose_name_plural = _("platform ledger entries")
        ordering = ["received_at"]
        indexes = [
            # Versions of conduct before 18 by lineage (exchange.forgetting.MINOR_VERSION):
            # each batch asks it whether a late arrival must be blanked. Partial, so it
            # holds only those rare rows and costs the other inserts nothing.
            models.Index(
                KeyTransform("lineage", "payload"), name="ledger_minor_lineage",
                condition=Q(event_type__startswith="record.", payload__subject_was_minor=True),
            ),
            # Every event about a record lineage by lineage: the events a ``record.purged``
            # makes the platform forget (exchange.forgetting._forget, once per record the
            # nightly retention purge deletes) and those a minor's version blanks
            # (_forget_before_minor_version). Without it each was a scan of the whole ledger
            # (556 ms at 1,000,000 rows on PostgreSQL) inside the receiving transaction.
            # Partial: only the rows whose payload has a lineage (record.*, objection.*,
            # repair.*, the schema's events that carry one; on PostgreSQL the condition is
            # "payload -> 'lineage' IS NOT NULL", which any equality on it implies), and not
            # the record.purged events themselves, which neither reader wants. On SQLite
            # the readers spell out this DDL's expressions (forgetting._through_index).
            models.Index(
                KeyTransform("lineage", "payload"), name="ledger_lineage",
                condition=Q(payload__lineage__isnull=False) & ~Q(event_type="record.purged"),
            ),
            # The signed findings by id: the events a ``finding.purged`` makes the platform
            # forget (exchange.forgetting._forget_findings), one look-up per archive and
            # year the nightly purge deletes, instead of a scan of the ledger.
            models.Index(fields=["aggregate_id"], name="ledger_finding_signed", condition=Q(event_type="finding.signed")),
        ]

    def __str__(self) -> str:
        return f"{self.event_type} {self.idempotency_key}"
