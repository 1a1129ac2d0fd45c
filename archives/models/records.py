"""Credit records, their versions, and the display periods of their tiers."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from archives.models.subjects import Archive


class Tier(models.TextChoices):
    """Display-period tiers: the national three severities of negative information
    (国办发〔2025〕22号; NDRC 《信用修复管理办法》 2026) and positive information."""

    MINOR = "minor", _("minor")
    GENERAL = "general", _("general")
    SERIOUS = "serious", _("serious")
    POSITIVE = "positive", _("positive")


class DisplayRule(models.Model):
    """How long information of one tier is shown publicly and to third parties,
    counted in months from the date of the decision document (DESIGN §7).

    Configurable data; the defaults and their source are loaded by migration.
    """

    tier = models.CharField(_("tier"), max_length=10, choices=Tier.choices, unique=True)
    min_months = models.PositiveSmallIntegerField(_("minimum months"))
    max_months = models.PositiveSmallIntegerField(_("maximum months"))
    published = models.BooleanField(
        _("published on public lists"), default=True,
        help_text=_("Minor information is in principle not published."),
    )
    source = models.CharField(_("source"), max_length=300)

    class Meta:
        verbose_name = _("display rule")
        verbose_name_plural = _("display rules")
        constraints = [models.CheckConstraint(condition=Q(min_months__lte=F("max_months")), name="display_rule_min_le_max")]

    def __str__(self) -> str:
        return f"{self.get_tier_display()}: {self.min_months}–{self.max_months}"

    # The national three tiers (国办发〔2025〕22号; NDRC 《信用修复管理办法》, DESIGN §7):
    # minor at most 3 months; general at least 3 months, at most 1 year; serious at least
    # 1 year, at most 3 years. A city sets its periods within them, never outside: a
    # minimum set to 0 would make every serious record repairable at once.
    BOUNDS = {"minor": (0, 3), "general": (3, 12), "serious": (12, 36)}

    def clean(self) -> None:
        errors = {}
        if self.min_months is not None and self.max_months is not None and self.min_months > self.max_months:
            errors["min_months"] = _("The minimum cannot be longer than the maximum.")
        low, high = self.BOUNDS.get(self.tier, (0, None))
        if self.min_months is not None and self.min_months < low:
            errors["min_months"] = _("The national rules set at least %(months)d months for this tier.") % {
                "months": low}
        if high is not None and self.max_months is not None and self.max_months > high:
            errors["max_months"] = _("The national rules set at most %(months)d months for this tier.") % {
                "months": high}
        if errors:
            raise ValidationError(errors)


class CreditRecord(models.Model):
    """One dated fact in an archive, in one version.

    All versions of a record share ``lineage``; exactly one has ``is_current``. A
    correction creates version n+1 and marks version n ``corrected``.
    """

    class Polarity(models.TextChoices):
        POSITIVE = "positive", _("positive (trustworthy conduct)")
        NEUTRAL = "neutral", _("neutral")
        NEGATIVE = "negative", _("negative")

    class Severity(models.TextChoices):
        MINOR = "minor", _("minor")
        GENERAL = "general", _("general")
        SERIOUS = "serious", _("serious")

    class State(models.TextChoices):
        DRAFT = "draft", _("draft")
        SUBMITTED = "submitted", _("awaiting review")
        RETURNED = "returned", _("returned")
        PUBLISHED = "published", _("published")
        CORRECTED = "corrected", _("superseded by a correction")
        WITHDRAWN = "withdrawn", _("withdrawn")
        REPAIRED = "repaired", _("repaired")
        EXPIRED = "expired", _("display period over")

    class Source(models.TextChoices):
        WEB_FORM = "web", _("web form")
        EXCEL = "excel", _("Excel import")
        API = "api", _("department system")
        UNIT_DISHONESTY = "unit", _("unit's serious dishonesty")

    class SourceType(models.TextChoices):
        # 001 §三（五）: "对日常监管、抽查检查、登记变更、年度考核、表彰奖励、处罚处分等信息计入信用记录".
        DAILY_SUPERVISION = "supervision", _("daily supervision")
        SPOT_CHECK = "spot_check", _("spot check or inspection")
        REGISTRATION_CHANGE = "registration", _("registration or change")
        YEARLY_ASSESSMENT = "assessment", _("yearly assessment")
        COMMENDATION = "commendation", _("commendation or reward")
        PENALTY = "penalty", _("penalty or sanction")

    # No single-column indexes on archive and lineage: record_archive_current and
    # record_version_unique lead with them and serve the same look-ups.
    archive = models.ForeignKey(
        Archive, on_delete=models.PROTECT, related_name="records", verbose_name=_("archive"), db_index=False
    )
    # While the record awaits review, its archive's department and occupation (NULL
    # otherwise): the review queue's scope filter is then on this table alone, each list
    # of its OR served by a small index leading with the department or the occupation,
    # and the planner's statistics on these columns describe the queue itself, so a
    # department with nothing to review no longer walks every other department's backlog.
    review_department = models.ForeignKey(
        "departments.Department", null=True, blank=True, editable=False, on_delete=models.PROTECT,
        related_name="+", db_index=False,
    )
    review_occupation = models.ForeignKey(
        "departments.Occupation", null=True, blank=True, editable=False, on_delete=models.PROTECT,
        related_name="+", db_index=False,
    )
    # The natural key this record was imported under (``row:`` + keyed hash of the row, or
    # a department system's ``ext:`` + external id), per importing department, which need
    # not be the archive's (a co-responsible department imports into an archive another
    # keeps): the same row or id sent again finds this record instead of making another.
    # NULL for records not imported; a correction's new version does not carry it.
    # Columns of the record rather than a table of their own: an import of 100,000 rows
    # wrote 100,000 key rows, each with its heap tuple, three indexes and two foreign-key
    # checks.
    intake_department = models.ForeignKey(
        "departments.Department", null=True, blank=True, editable=False, on_delete=models.PROTECT,
        related_name="+", db_index=False,  # indexed through record_intake_key_unique
    )
    # NULL, not "", when not imported: the unique index is partial (WHERE intake_key IS NOT
    # NULL), which PostgreSQL can use for ``intake_key = ANY(…)``.
    intake_key = models.CharField(max_length=140, null=True, blank=True, editable=False)  # noqa: DJ001
    # A department system's content digest of what it last sent under the key.
    intake_digest = models.CharField(max_length=64, blank=True, default="", editable=False)
    lineage = models.UUIDField(default=uuid.uuid4, editable=False)
    version = models.PositiveIntegerField(_("version"), default=1)
    is_current = models.BooleanField(default=True)
    supersedes = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="superseded_by",
        verbose_name=_("previous version"),
    )
    # No index: categories are retired (is_active), never deleted, and no page looks
    # records up by category alone.
    category = models.ForeignKey(
        "departments.RecordCategory", on_delete=models.PROTECT, related_name="+", verbose_name=_("category"),
        db_index=False,
    )
    polarity = models.CharField(_("polarity"), max_length=10, choices=Polarity.choices)
    severity = models.CharField(_("severity"), max_length=10, choices=Severity.choices, blank=True)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    decision_number = models.CharField(_("decision number"), max_length=100, blank=True)
    deciding_body = models.CharField(_("deciding body"), max_length=200, blank=True)
    occurred_on = models.DateField(_("date of the conduct"))
    decided_on = models.DateField(_("date of the decision"))
    domain = models.ForeignKey(
        "departments.Domain", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        verbose_name=_("key domain"), db_index=False,
    )
    source = models.CharField(_("source"), max_length=10, choices=Source.choices, default=Source.WEB_FORM)
    # 003 §三(一)2: a unit's serious dishonesty is also written into the personal record
    # of its legal representative and responsible persons.
    source_type = models.CharField(
        _("source of the information"), max_length=20, choices=SourceType.choices, blank=True,
        help_text=_("Which activity produced it (001 §三(五)); empty only on records entered before it was asked."),
    )
    unit_credit_code = models.CharField(_("unit's unified social credit code"), max_length=18, blank=True)
    unit_name = models.CharField(_("unit name"), max_length=200, blank=True)
    is_penalty = models.BooleanField(
        _("administrative penalty"), default=False,
        help_text=_("A penalty decision carries the credit repair notice (两书同达)."),
    )
    # Indexed through record_display_until (state first) and the partial indexes below.
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.DRAFT)
    display_until = models.DateField(_("displayed until"), null=True, blank=True)
    subject_was_minor = models.BooleanField(_("subject was a minor"), default=False)
    under_objection = models.BooleanField(_("under objection"), default=False)
    return_reason = models.TextField(_("reason for return"), blank=True)
    change_reason = models.TextField(
        _("reason for the change"), blank=True,
        help_text=_("Why this version corrects the previous one, or why the record was withdrawn."),
    )
    # The user columns carry no index of their own: staff accounts are deactivated, never
    # deleted, so nothing looks records up by user except the drafts list (its own index).
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("created by"),
        db_index=False,
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("last edited by"),
        db_index=False,
    )
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        verbose_name=_("published by"), db_index=False,
    )
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    ended_at = models.DateTimeField(_("ended"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("credit record")
        verbose_name_plural = _("credit records")
        ordering = ["-decided_on", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["lineage", "version"], name="record_version_unique"),
            models.UniqueConstraint(fields=["lineage"], condition=Q(is_current=True), name="record_one_current_version"),
            models.CheckConstraint(
                condition=(Q(polarity="negative") & ~Q(severity="")) | (~Q(polarity="negative") & Q(severity="")),
                name="record_severity_iff_negative",
            ),
            models.CheckConstraint(condition=Q(occurred_on__lte=F("decided_on")), name="record_occurred_before_decided"),
            models.UniqueConstraint(
                fields=["intake_department", "intake_key"], condition=Q(intake_key__isnull=False),
                name="record_intake_key_unique",
            ),
        ]
        indexes = [
            models.Index(fields=["archive", "is_current", "state"], name="record_archive_current"),
            models.Index(fields=["state", "display_until"], name="record_display_until"),
            # The two public lists read their page in this order from these small partial
            # indexes instead of scanning every record (disclosure.public_lists._public_base).
            models.Index(
                fields=["-decided_on", "-id"], name="record_public_dishonesty",
                condition=Q(is_current=True, state="published", subject_was_minor=False, polarity="negative",
                            severity="serious"),
            ),
            models.Index(
                fields=["-decided_on", "-id"], name="record_public_honour",
                condition=Q(is_current=True, state="published", subject_was_minor=False, polarity="positive"),
            ),
            # The dashboard's short lists: a clerk's drafts, returned records, the review queue.
            # A clerk's records in hand (drafts on the dashboard; drafts, returned and
            # submitted on "my items", archives.selectors.my_items): without it their
            # counts scanned all records (0.7 s each at 1,000,000 people).
            models.Index(fields=["created_by", "-updated_at"], name="record_in_hand_by_author",
                         condition=Q(is_current=True, state__in=("returned", "draft", "submitted"))),
            models.Index(fields=["-updated_at"], name="record_returned", condition=Q(state="returned", is_current=True)),
            models.Index(fields=["submitted_at", "id"], name="record_awaiting_review",
                         condition=Q(state="submitted", is_current=True)),
            # A reviewer's queue: only their departments' (and co-responsible occupations')
            # entries are read, however long other departments' backlogs are.
            models.Index(fields=["review_department", "submitted_at", "id"], name="record_review_by_department",
                         condition=Q(review_department__isnull=False)),
            models.Index(fields=["review_occupation", "submitted_at", "id"], name="record_review_by_occupation",
                         condition=Q(review_occupation__isnull=False)),
            # The nightly retention purge's negative versions no longer in force
            # (services.retention.purge_expired_versions): a few corrected versions among
            # millions of records, which it would otherwise scan for every night.
            models.Index(fields=["decided_on"], name="record_replaced_negative",
                         condition=Q(is_current=False, polarity="negative")),
        ]

    def __str__(self) -> str:
        return f"{self.title} (v{self.version})"

    @property
    def is_negative(self) -> bool:
        return self.polarity == self.Polarity.NEGATIVE

    @property
    def tier(self) -> str:
        return self.severity if self.is_negative else Tier.POSITIVE

    @property
    def is_editable(self) -> bool:
        return self.state in {self.State.DRAFT, self.State.RETURNED}
