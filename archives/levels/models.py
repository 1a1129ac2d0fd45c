"""Credit levels (信用等级) of archives, kept as data.

DESIGN §7: "Credit level per subject: serious > warning > normal > good, derived from
effective records and findings, with the reasons shown". 001 §四: "各单位要建立信用评价
机制，依据重点人群的信用状况实施分级分类监管". The rules are rows the credit office keeps,
each with its legal basis; the computed level is stored per archive (``ArchiveLevel``)
so that lists never compute, and every change of level is kept (``ArchiveLevelChange``).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Level(models.TextChoices):
    GOOD = "good", _("trustworthy")
    NORMAL = "normal", _("ordinary")
    WARNING = "warning", _("warning")
    SERIOUS = "serious", _("seriously dishonest")


# DESIGN §7: serious > warning > normal > good.
LEVEL_RANK = {Level.GOOD: 0, Level.NORMAL: 1, Level.WARNING: 2, Level.SERIOUS: 3}


class Condition(models.TextChoices):
    NEGATIVE_RECORD = "negative_record", _("an effective negative record of at least this severity")
    FINDING = "finding", _("a yearly finding with this status")
    CLEAN_YEARS = "clean_years", _("this many consecutive years without negative records or findings")


class Severity(models.TextChoices):
    MINOR = "minor", _("minor")
    GENERAL = "general", _("general")
    SERIOUS = "serious", _("serious")


SEVERITY_RANK = {Severity.MINOR: 1, Severity.GENERAL: 2, Severity.SERIOUS: 3}


class FindingStatus(models.TextChoices):
    # The two adverse statuses of 001's annex; a 守信 finding never lowers a level.
    WARNING = "warning", _("warning conduct")
    SERIOUS = "serious", _("serious dishonesty")


class LevelRule(models.Model):
    """One rule: when ``condition`` holds on the day, the archive is at least ``level``.

    The highest level any rule gives wins (DESIGN §7 order); with no rule holding the
    archive is 一般. Rules change only through ``archives.levels.services`` (audited),
    which refuses duplicates and contradictions; a rule without a legal basis is refused
    by the form, the service and a database constraint.
    """

    level = models.CharField(_("credit level"), max_length=10, choices=Level.choices)
    condition = models.CharField(_("condition"), max_length=20, choices=Condition.choices)
    severity = models.CharField(
        _("lowest severity"), max_length=10, choices=Severity.choices, blank=True,
        help_text=_("For record conditions: the lowest severity of negative information that counts."),
    )
    finding_status = models.CharField(
        _("finding status"), max_length=10, choices=FindingStatus.choices, blank=True,
        help_text=_("For finding conditions: the status of the yearly finding."),
    )
    years = models.PositiveSmallIntegerField(
        _("years"), default=0,
        help_text=_("Records: decided within this many years (0: while the record is effective). Findings: "
                    "of the last this many years. Clean years: how many years."),
    )
    source = models.CharField(
        _("legal basis"), max_length=500,
        help_text=_("The law or policy document this rule rests on, with its article."),
    )
    is_active = models.BooleanField(_("in force"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("credit level rule")
        verbose_name_plural = _("credit level rules")
        ordering = ["-level", "condition", "severity", "finding_status"]
        constraints = [
            models.CheckConstraint(condition=~Q(source=""), name="level_rule_has_source"),
            models.CheckConstraint(
                condition=(Q(condition="negative_record") & ~Q(severity="") & Q(finding_status=""))
                | (Q(condition="finding") & Q(severity="") & ~Q(finding_status=""))
                | (Q(condition="clean_years") & ~Q(severity="") & Q(finding_status="") & Q(years__gte=1)),
                name="level_rule_fields_fit_condition",
            ),
            # Two rules in force on the same fact would each claim it: refused.
            models.UniqueConstraint(
                fields=["condition", "severity", "finding_status"], condition=Q(is_active=True),
                name="level_rule_one_active_per_fact",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_level_display()}: {self.describe()}"

    def describe(self) -> str:
        """The condition in words, for reasons and lists."""
        from archives.levels.reasons import describe_rule

        return describe_rule(self)


class ArchiveLevel(models.Model):
    """The current credit level of one archive, with its reasons line by line.

    Written only by ``services.recompute_level``. ``review_on`` is the first day the
    level could change by time alone (a record leaving its window, clean years
    completing); the daily task recomputes the archives due, so nothing is computed on
    a list page (indexed by level for the credit office's list).
    """

    archive = models.OneToOneField(
        "archives.Archive", primary_key=True, on_delete=models.CASCADE, related_name="credit_level",
        verbose_name=_("archive"),
    )
    level = models.CharField(_("credit level"), max_length=10, choices=Level.choices, default=Level.NORMAL)
    # LEVEL_RANK of ``level``, stored so the list sorts most severe first through an index.
    rank = models.PositiveSmallIntegerField(default=1, editable=False)
    # [{"kind": "record"|"finding"|"clean"|"none", "text": str, "rule": int|None, "basis": str,
    #   "record": int|None, "finding": int|None, "lineage": str|None, "category": int|None,
    #   "occupation": int}]
    reasons = models.JSONField(_("reasons"), default=list)
    computed_on = models.DateField(_("computed on"))
    review_on = models.DateField(_("review on"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("credit level")
        verbose_name_plural = _("credit levels")
        indexes = [
            models.Index(fields=["level", "archive"], name="archive_level_by_level"),
            models.Index(fields=["-rank", "archive"], name="archive_level_by_rank"),
            models.Index(fields=["review_on"], name="archive_level_review_on", condition=Q(review_on__isnull=False)),
        ]

    def __str__(self) -> str:
        return self.get_level_display()


class ArchiveLevelChange(models.Model):
    """One change of an archive's credit level (history), with the reasons at the time."""

    archive = models.ForeignKey(
        "archives.Archive", on_delete=models.CASCADE, related_name="level_changes", verbose_name=_("archive")
    )
    previous = models.CharField(_("previous level"), max_length=10, choices=Level.choices, blank=True)
    level = models.CharField(_("new level"), max_length=10, choices=Level.choices)
    reasons = models.JSONField(_("reasons"), default=list)
    effective_on = models.DateField(_("effective from"))
    changed_at = models.DateTimeField(_("changed"), auto_now_add=True)
    # The earliest decision day of the facts the change rests on (its reasons and, for a
    # change leaving a level, the reasons of the level it left): the change says
    # something about them, and goes when their 5 years are over
    # (services.purge_expired_history), even if the change itself is recent.
    oldest_fact_on = models.DateField(null=True, blank=True)
    # The ``level.changed`` event it was sent as, blanked when the change goes.
    event_id = models.UUIDField(null=True, blank=True)

    class Meta:
        verbose_name = _("credit level change")
        verbose_name_plural = _("credit level changes")
        ordering = ["-changed_at", "-id"]
        indexes = [
            # The nightly retention purge's look-ups (services.purge_expired_history): only
            # changes that state an adverse level, a minority (every archive's first
            # assessment is 一般, never adverse).
            models.Index(fields=["effective_on"], name="level_change_adverse_by_day",
                         condition=Q(level__in=["warning", "serious"]) | Q(previous__in=["warning", "serious"])),
            models.Index(fields=["oldest_fact_on"], name="level_change_by_fact_day",
                         condition=Q(oldest_fact_on__isnull=False)),
        ]

    def __str__(self) -> str:
        return f"{self.previous or '—'} → {self.level}"


class PointsPilot(models.Model):
    """The integrity points pilot switch (诚信积分; 002 §二(四)3: "探索制定基于个人公共信用
    信息的分类管理和诚信积分管理机制"). One row; off by default; switched by the credit office
    through ``services.points.set_points_pilot`` (audited)."""

    is_enabled = models.BooleanField(_("pilot switched on"), default=False)
    base_points = models.PositiveSmallIntegerField(_("base points"), default=100)
    changed_at = models.DateTimeField(_("changed"), null=True, blank=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("integrity points pilot")
        verbose_name_plural = _("integrity points pilot")

    def __str__(self) -> str:
        return str(self._meta.verbose_name)


class PointRule(models.Model):
    """How many points one kind of fact adds or takes away, with its source. Exactly
    one rule in force per fact (no overlaps: refused by the service and a constraint)."""

    class Kind(models.TextChoices):
        POSITIVE_RECORD = "positive_record", _("an effective positive record")
        NEGATIVE_RECORD = "negative_record", _("an effective negative record of this severity")
        FINDING = "finding", _("a signed yearly finding of the last three years with this status")

    class Status(models.TextChoices):
        TRUSTWORTHY = "trustworthy", _("trustworthy")
        WARNING = "warning", _("warning conduct")
        SERIOUS = "serious", _("serious dishonesty")

    kind = models.CharField(_("fact"), max_length=20, choices=Kind.choices)
    severity = models.CharField(_("severity"), max_length=10, choices=Severity.choices, blank=True)
    finding_status = models.CharField(_("finding status"), max_length=12, choices=Status.choices, blank=True)
    points = models.SmallIntegerField(_("points"))
    source = models.CharField(_("source"), max_length=500,
                              help_text=_("The policy document or the pilot decision this rule rests on."))
    is_active = models.BooleanField(_("in force"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("integrity points rule")
        verbose_name_plural = _("integrity points rules")
        ordering = ["kind", "severity", "finding_status"]
        constraints = [
            models.CheckConstraint(condition=~Q(source=""), name="point_rule_has_source"),
            models.CheckConstraint(condition=~Q(points=0), name="point_rule_points_not_zero"),
            models.UniqueConstraint(fields=["kind", "severity", "finding_status"], condition=Q(is_active=True),
                                    name="point_rule_one_active_per_fact"),
        ]

    def __str__(self) -> str:
        # Full-width punctuation: the name is shown in Chinese pages (the retired list, the
        # buttons' hidden labels).
        detail = self.get_severity_display() or self.get_finding_status_display()
        label = f"{self.get_kind_display()}：{detail}" if detail else str(self.get_kind_display())
        return f"{label}（{self.points:+d}）"
