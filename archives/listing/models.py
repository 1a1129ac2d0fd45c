"""The serious-dishonesty list procedure and joint punishment (docs/listing.md).

A department proposes listing a person on the basis of effective serious negative
records of its archives (``Listing``); the person is told before anything is decided
and may object within a window of working days; a reviewer who did not propose decides;
a published listing is on the public list and starts a joint-punishment case
(``PunishmentCase``) whose measures (``Measure``, catalogue data with their basis) each
responsible department applies and reports back on (``CaseMeasure``).

Sources: 004 item 25 (the four categories of serious dishonesty), 000 §二(二) and 003
item 6 (joint punishment: 发起、响应、惩戒、反馈), 003 item 10 (corrected within the time
limit → no longer a target), 001 §三(六)/§四, and 《国务院办公厅关于进一步完善失信约束制度
构建诚信建设长效机制的指导意见》 (国办发〔2020〕49号: before listing, tell the party the reasons,
basis and their rights; handle the objection; exit and repair).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _


class ListingCategory(models.TextChoices):
    """The four categories of serious dishonesty of 004 item 25 (also 003 item 6)."""

    HEALTH_AND_SAFETY = "health_safety", _("seriously endangering people's health and safety")
    MARKET_AND_SOCIAL_ORDER = "market_order", _("seriously disrupting fair competition and social order")
    REFUSING_OBLIGATIONS = "refusing_obligations", _("refusing to perform legal obligations though able to")
    NATIONAL_DEFENCE = "national_defence", _("refusing national defence obligations")


class ListingRule(models.Model):
    """One configurable number of the procedure (DESIGN §7: rules with numbers are data).
    A rule without a source is refused (form and database constraint). With no row the
    default in ``archives.listing.rules.DEFAULTS`` applies, with its source."""

    class Key(models.TextChoices):
        OBJECTION_WINDOW = "objection_window", _("objection window after the notice")
        LISTING_PERIOD = "listing_period", _("period a listing stays on the list")
        FEEDBACK = "feedback", _("departments' feedback on a joint-punishment measure")
        CORRECTION = "correction", _("time limit to correct the conduct")

    class Unit(models.TextChoices):
        WORKING_DAYS = "working_days", _("working days")
        MONTHS = "months", _("months")

    key = models.CharField(_("rule"), max_length=30, choices=Key.choices, unique=True)
    value = models.PositiveSmallIntegerField(_("length"))
    unit = models.CharField(_("unit"), max_length=15, choices=Unit.choices)
    source = models.CharField(_("source"), max_length=300)

    class Meta:
        verbose_name = _("listing rule")
        verbose_name_plural = _("listing rules")
        constraints = [
            models.CheckConstraint(condition=~Q(source=""), name="listing_rule_has_source"),
            models.CheckConstraint(condition=Q(value__gt=0), name="listing_rule_value_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.get_key_display()}: {self.value} {self.get_unit_display()}"


class Listing(models.Model):
    """One proposal to list a person as seriously dishonest, and its outcome.

    ``proposed`` (the notice is sent, the objection window runs) → ``published`` (on
    the public list) | ``not_listed`` (the reviewer decided against it, or its basis
    ended before the decision); ``published`` → ``removed`` (period over, basis ended,
    or removed by the credit office with a reason).
    """

    class State(models.TextChoices):
        PROPOSED = "proposed", _("notified, awaiting decision")
        PUBLISHED = "published", _("on the list")
        NOT_LISTED = "not_listed", _("not listed")
        REMOVED = "removed", _("removed from the list")

    class Removal(models.TextChoices):
        PERIOD_END = "period_end", _("the listing period ended")
        BASIS_ENDED = "basis_ended", _("its basis was repaired, withdrawn, corrected or expired")
        MANUAL = "manual", _("removed by the credit office")

    reference = models.CharField(_("reference"), max_length=20, unique=True)
    archive = models.ForeignKey(
        "archives.Archive", on_delete=models.PROTECT, related_name="+", verbose_name=_("archive")
    )
    # Denormalized from the archive: the public list and the citizen's pages filter on them.
    subject = models.ForeignKey(
        "archives.Subject", on_delete=models.PROTECT, related_name="+", verbose_name=_("person")
    )
    department = models.ForeignKey(
        "departments.Department", on_delete=models.PROTECT, related_name="+", verbose_name=_("proposing department")
    )
    category = models.CharField(_("category of serious dishonesty"), max_length=30, choices=ListingCategory.choices)
    facts = models.TextField(_("facts"), max_length=4000)
    legal_basis = models.TextField(_("legal basis"), max_length=2000)
    state = models.CharField(_("state"), max_length=12, choices=State.choices, default=State.PROPOSED)
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("proposed by")
    )
    proposed_at = models.DateTimeField(_("proposed"))
    notified_on = models.DateField(_("notice sent"))
    objection_due = models.DateField(_("objection window ends"))
    objection = models.TextField(_("statement and defence"), blank=True, max_length=4000)
    objected_at = models.DateTimeField(_("objection filed"), null=True, blank=True)
    answer = models.TextField(_("answer to the objection"), blank=True, max_length=4000)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        verbose_name=_("answered by"),
    )
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decision_reason = models.TextField(_("reasons for the decision"), blank=True, max_length=4000)
    listed_from = models.DateField(_("listed from"), null=True, blank=True)
    listed_until = models.DateField(_("listed until"), null=True, blank=True)
    removal = models.CharField(_("why removed"), max_length=12, choices=Removal.choices, blank=True)
    removal_reason = models.TextField(_("reason for removal"), blank=True, max_length=2000)
    removed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        verbose_name=_("removed by"),
    )
    removed_at = models.DateTimeField(_("removed"), null=True, blank=True)

    class Meta:
        verbose_name = _("serious-dishonesty listing")
        verbose_name_plural = _("serious-dishonesty listings")
        ordering = ["-proposed_at", "-id"]
        constraints = [
            # One open procedure per person and department: a second would race the first.
            models.UniqueConstraint(
                fields=["subject", "department"], condition=Q(state__in=["proposed", "published"]),
                name="listing_one_open_per_subject_department",
            ),
            models.CheckConstraint(
                condition=~Q(state="published") | (Q(listed_from__isnull=False) & Q(listed_until__isnull=False)),
                name="listing_published_has_period",
            ),
            models.CheckConstraint(
                condition=Q(listed_until__isnull=True) | Q(listed_until__gte=F("listed_from")),
                name="listing_period_ordered",
            ),
        ]
        indexes = [
            # The public list reads its page in this order from this small partial index
            # (disclosure.public_lists.dishonesty_list: look-ahead paging, no COUNT).
            models.Index(fields=["-listed_from", "-id"], name="listing_public", condition=Q(state="published")),
            models.Index(fields=["subject", "state"], name="listing_subject_state"),
            models.Index(fields=["department", "state"], name="listing_department_state"),
            # The daily task finds listings whose period ended.
            models.Index(fields=["listed_until"], name="listing_due_removal", condition=Q(state="published")),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def is_open(self) -> bool:
        return self.state in {self.State.PROPOSED, self.State.PUBLISHED}


class ListingBasis(models.Model):
    """A record a listing rests on: the version named at the proposal and its lineage
    (a correction makes a new version of the same lineage)."""

    listing = models.ForeignKey(Listing, on_delete=models.PROTECT, related_name="basis")
    record = models.ForeignKey("archives.CreditRecord", on_delete=models.PROTECT, related_name="+")
    lineage = models.UUIDField(db_index=True)
    ended = models.BooleanField(_("no longer in effect"), default=False)

    # When the retention purge deletes a basis record (《征信业管理条例》 art. 16), the
    # listing goes with it (archives.services.retention._purge_rows): its facts, legal
    # basis, the person's defence and the decision describe that dishonesty, and were
    # otherwise kept for good once the record itself was gone.
    RETENTION_TAKES = ("listing",)

    class Meta:
        verbose_name = _("basis record")
        verbose_name_plural = _("basis records")
        constraints = [models.UniqueConstraint(fields=["listing", "lineage"], name="listing_basis_unique")]

    def __str__(self) -> str:
        return f"{self.listing_id}: {self.record_id}"


class ListingNotice(models.Model):
    """A notice the listing sent the person (before listing, the decision, the answer to
    their defence, the removal, the joint punishment lifted), so that it goes with the
    listing at the 5-year retention limit (``RETENTION_TAKES``): it quotes the facts,
    the records and the decision. The notice lives in the archives app, which knows no
    listing."""

    listing = models.ForeignKey(Listing, on_delete=models.PROTECT, related_name="+")
    notice = models.OneToOneField("archives.Notice", on_delete=models.PROTECT, related_name="+")

    RETENTION_TAKES = ("notice",)

    class Meta:
        verbose_name = _("listing notice")
        verbose_name_plural = _("listing notices")

    def __str__(self) -> str:
        return f"{self.listing_id}: {self.notice_id}"


def objection_upload_to(instance: ObjectionFile, filename: str) -> str:
    import uuid

    # A random name: the original filename (user-controlled, maybe personal) stays in the database.
    return f"listing/{instance.uploaded_at:%Y/%m}/{uuid.uuid4().hex}"


class ObjectionFile(models.Model):
    """A file the person attaches to their statement and defence (陈述申辩)."""

    listing = models.ForeignKey(Listing, on_delete=models.PROTECT, related_name="objection_files")
    file = models.FileField(_("file"), upload_to=objection_upload_to, max_length=200)
    original_name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(_("type"), max_length=100)
    size = models.PositiveIntegerField(_("size"))
    digest = models.CharField(_("SM3 digest"), max_length=64)
    uploaded_at = models.DateTimeField(_("uploaded"))

    class Meta:
        verbose_name = _("objection file")
        verbose_name_plural = _("objection files")
        ordering = ["uploaded_at", "id"]

    def __str__(self) -> str:
        return self.original_name


class Measure(models.Model):
    """A joint-punishment measure (联合惩戒措施) a responsible department applies to a
    listed person, with its legal basis (catalogue data the credit office keeps; 003
    item 6, 004 item 25, 000 §二(二))."""

    code = models.SlugField(_("code"), max_length=50, unique=True)
    name = models.CharField(_("measure"), max_length=200)
    department = models.ForeignKey(
        "departments.Department", on_delete=models.PROTECT, related_name="+", verbose_name=_("responsible department")
    )
    legal_basis = models.CharField(_("legal basis"), max_length=300)
    categories = models.CharField(
        _("categories it applies to"), max_length=200, blank=True,
        help_text=_("Comma-separated category codes; empty for every category."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    sort_order = models.PositiveIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("joint-punishment measure")
        verbose_name_plural = _("joint-punishment measures")
        ordering = ["sort_order", "id"]
        constraints = [models.CheckConstraint(condition=~Q(legal_basis=""), name="measure_has_legal_basis")]

    def __str__(self) -> str:
        return self.name

    def applies_to(self, category: str) -> bool:
        codes = {c.strip() for c in self.categories.split(",") if c.strip()}
        return not codes or category in codes


class PunishmentCase(models.Model):
    """The joint-punishment case a published listing opens (联合惩戒: 发起、响应、惩戒、反馈,
    003 item 6). ``open`` → ``corrected`` (the person corrected the conduct within the
    time limit and is no longer a target, 003 item 10) | ``closed`` (the listing was
    removed)."""

    class State(models.TextChoices):
        OPEN = "open", _("open")
        CORRECTED = "corrected", _("corrected in time: no longer a target")
        CLOSED = "closed", _("closed")

    listing = models.OneToOneField(Listing, on_delete=models.PROTECT, related_name="case")
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.OPEN)
    opened_at = models.DateTimeField(_("opened"))
    correction_due = models.DateField(_("correct the conduct by"))
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        verbose_name=_("closed by"),
    )
    outcome = models.TextField(_("outcome"), blank=True, max_length=2000)

    class Meta:
        verbose_name = _("joint-punishment case")
        verbose_name_plural = _("joint-punishment cases")
        ordering = ["-opened_at", "-id"]
        indexes = [models.Index(fields=["-opened_at", "-id"], name="case_open", condition=Q(state="open"))]

    def __str__(self) -> str:
        return f"{self.listing.reference}"


class CaseMeasure(models.Model):
    """One measure of a case, applied by its department: ``pending`` until the
    department records its response and feedback, due by ``feedback_due``."""

    class State(models.TextChoices):
        PENDING = "pending", _("awaiting feedback")
        APPLIED = "applied", _("applied")
        NOT_APPLICABLE = "not_applicable", _("not applicable")
        LIFTED = "lifted", _("lifted")

    case = models.ForeignKey(PunishmentCase, on_delete=models.PROTECT, related_name="measures")
    measure = models.ForeignKey(Measure, on_delete=models.PROTECT, related_name="+", verbose_name=_("measure"))
    department = models.ForeignKey(
        "departments.Department", on_delete=models.PROTECT, related_name="+", verbose_name=_("responsible department")
    )
    state = models.CharField(_("state"), max_length=15, choices=State.choices, default=State.PENDING)
    feedback_due = models.DateField(_("feedback due"))
    feedback = models.TextField(_("response and feedback"), blank=True, max_length=2000)
    responded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        verbose_name=_("responded by"),
    )
    responded_at = models.DateTimeField(_("responded"), null=True, blank=True)

    class Meta:
        verbose_name = _("measure of a case")
        verbose_name_plural = _("measures of a case")
        ordering = ["case_id", "id"]
        constraints = [models.UniqueConstraint(fields=["case", "measure"], name="case_measure_unique")]
        indexes = [
            models.Index(fields=["department", "feedback_due"], name="case_measure_pending",
                         condition=Q(state="pending")),
        ]

    def __str__(self) -> str:
        return f"{self.case_id}: {self.measure_id}"
