"""People, their archives, credit records, yearly findings and evidence (DESIGN §3).

Nothing published is edited in place or deleted: a change is a new version of the
record (``lineage`` + ``version``), withdrawal, repair and expiry are states. Every
state change goes through ``archives.services``.
"""

from __future__ import annotations

import uuid
from datetime import date

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from credit_portal.fields import EncryptedTextField


class Gender(models.TextChoices):
    MALE = "male", _("male")
    FEMALE = "female", _("female")


class PoliticalStatus(models.TextChoices):
    # The values of the 政治面貌 box on 001's annex form (GB/T 4762 categories).
    CPC_MEMBER = "cpc_member", _("CPC member")
    CPC_PROBATIONARY = "cpc_probationary", _("CPC probationary member")
    CYL_MEMBER = "cyl_member", _("Communist Youth League member")
    DEMOCRATIC_PARTY = "democratic_party", _("member of a democratic party")
    NON_PARTISAN = "non_partisan", _("non-partisan")
    MASSES = "masses", _("ordinary citizen")


class Education(models.TextChoices):
    DOCTORATE = "doctorate", _("doctorate")
    MASTER = "master", _("master's degree")
    BACHELOR = "bachelor", _("bachelor's degree")
    COLLEGE = "college", _("junior college")
    SECONDARY = "secondary", _("secondary school")
    PRIMARY = "primary", _("primary school or below")


class Subject(models.Model):
    """A natural person (信用主体), found by a keyed hash of the ID number.

    The ID number and phone are encrypted with SM4-GCM bound to this row; the clear
    masked form (first 4 and last 4 digits) is kept for lists, so list pages never
    decrypt (DESIGN §8).
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(_("name"), max_length=50)
    gender = models.CharField(_("gender"), max_length=10, choices=Gender.choices)
    id_number = EncryptedTextField(_("ID number"))
    id_number_index = models.CharField(max_length=64, unique=True, editable=False)
    id_number_masked = models.CharField(_("ID number"), max_length=18, editable=False)
    birth_date = models.DateField(_("birth date"))
    phone = EncryptedTextField(_("phone"), blank=True)
    political_status = models.CharField(
        _("political status"), max_length=20, choices=PoliticalStatus.choices, blank=True
    )
    education = models.CharField(_("education"), max_length=20, choices=Education.choices, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("subject")
        verbose_name_plural = _("subjects")
        indexes = [models.Index(fields=["name"], name="subject_name")]

    def __str__(self) -> str:
        return f"{self.name} ({self.id_number_masked})"

    def age_on(self, day: date) -> int:
        years = day.year - self.birth_date.year
        if (day.month, day.day) < (self.birth_date.month, self.birth_date.day):
            years -= 1
        return years

    def is_minor_on(self, day: date) -> bool:
        """Under 18 on ``day`` (003 item 10: minors are protected)."""
        return self.age_on(day) < 18


class Archive(models.Model):
    """One subject's credit archive in one occupation, kept by a department."""

    class State(models.TextChoices):
        OPEN = "open", _("open")
        CLOSED = "closed", _("closed")

    subject = models.ForeignKey(Subject, on_delete=models.PROTECT, related_name="archives", verbose_name=_("subject"))
    occupation = models.ForeignKey(
        "departments.Occupation", on_delete=models.PROTECT, related_name="archives", verbose_name=_("occupation")
    )
    # Indexed through archive_department_state (department first).
    department = models.ForeignKey(
        "departments.Department", on_delete=models.PROTECT, related_name="archives",
        verbose_name=_("responsible department"), db_index=False,
    )
    employer = models.CharField(_("employer"), max_length=200)
    title = models.CharField(_("professional title"), max_length=100, blank=True)
    post = models.CharField(_("post"), max_length=100, blank=True)
    practice_start = models.DateField(_("start of practice"), null=True, blank=True)
    duties = models.TextField(_("duties"), blank=True)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.OPEN)
    closed_reason = models.TextField(_("reason for closing"), blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # When the archive's content last changed (a record or finding written); drives
    # the overdue-update list of 001 §三(五).
    last_updated_at = models.DateTimeField(_("last updated"))

    class Meta:
        verbose_name = _("credit archive")
        verbose_name_plural = _("credit archives")
        constraints = [
            models.UniqueConstraint(fields=["subject", "occupation"], name="one_archive_per_subject_occupation"),
        ]
        indexes = [
            models.Index(fields=["department", "state"], name="archive_department_state"),
            # The overdue list reads open archives oldest update first (selectors.overdue_archives).
            models.Index(fields=["last_updated_at"], name="archive_open_last_updated", condition=Q(state="open")),
        ]
        permissions = [("share_archive", "Can act on a shared archive")]

    def __str__(self) -> str:
        return f"{self.subject.name} – {self.occupation}"


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
        ]
        indexes = [
            models.Index(fields=["archive", "is_current", "state"], name="record_archive_current"),
            models.Index(fields=["state", "display_until"], name="record_display_until"),
            # The two public lists read their page in this order from these small partial
            # indexes instead of scanning every record (disclosure.selectors._public_base).
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
            models.Index(fields=["created_by", "-updated_at"], name="record_drafts_by_author",
                         condition=Q(state="draft")),
            models.Index(fields=["-updated_at"], name="record_returned", condition=Q(state="returned", is_current=True)),
            models.Index(fields=["submitted_at", "id"], name="record_awaiting_review",
                         condition=Q(state="submitted", is_current=True)),
            # A reviewer's queue: only their departments' (and co-responsible occupations')
            # entries are read, however long other departments' backlogs are.
            models.Index(fields=["review_department", "submitted_at", "id"], name="record_review_by_department",
                         condition=Q(review_department__isnull=False)),
            models.Index(fields=["review_occupation", "submitted_at", "id"], name="record_review_by_occupation",
                         condition=Q(review_occupation__isnull=False)),
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


class AnnualFinding(models.Model):
    """The department's yearly credit-status finding for one archive (001 annex:
    信用状况, signed with the department's seal). 守信 unless evidence shows otherwise."""

    class Status(models.TextChoices):
        TRUSTWORTHY = "trustworthy", _("trustworthy")
        WARNING = "warning", _("warning conduct")
        SERIOUS = "serious", _("serious dishonesty")

    class State(models.TextChoices):
        DRAFT = "draft", _("draft")
        SIGNED = "signed", _("signed")
        SUPERSEDED = "superseded", _("superseded")

    archive = models.ForeignKey(Archive, on_delete=models.PROTECT, related_name="findings", verbose_name=_("archive"))
    year = models.PositiveSmallIntegerField(_("year"))
    version = models.PositiveIntegerField(_("version"), default=1)
    is_current = models.BooleanField(default=True)
    status = models.CharField(_("credit status"), max_length=12, choices=Status.choices, default=Status.TRUSTWORTHY)
    basis = models.TextField(_("basis"))
    state = models.CharField(_("state"), max_length=12, choices=State.choices, default=State.DRAFT)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        verbose_name=_("signed by"),
    )
    signed_at = models.DateTimeField(_("signed"), null=True, blank=True)
    # The electronic seal (电子盖章): HMAC-SM3 over the finding's canonical content.
    seal = models.CharField(_("seal"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("yearly finding")
        verbose_name_plural = _("yearly findings")
        ordering = ["-year", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["archive", "year", "version"], name="finding_version_unique"),
            models.UniqueConstraint(
                fields=["archive", "year"], condition=Q(is_current=True), name="finding_one_current_per_year"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.year} {self.get_status_display()}"

    @property
    def needs_evidence(self) -> bool:
        # 001 annex, 填表说明 2: warning and serious findings carry their proof.
        return self.status != self.Status.TRUSTWORTHY


def evidence_upload_to(instance: Evidence, filename: str) -> str:
    # A random name: the original filename (personal data, user-controlled) is kept
    # only in the database.
    return f"evidence/{instance.uploaded_at:%Y/%m}/{uuid.uuid4().hex}"


class Evidence(models.Model):
    """An uploaded file backing a record or a finding (佐证材料)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    file = models.FileField(_("file"), upload_to=evidence_upload_to, max_length=200)
    original_name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(_("type"), max_length=100)
    size = models.PositiveIntegerField(_("size"))
    digest = models.CharField(_("SM3 digest"), max_length=64)
    description = models.CharField(_("description"), max_length=200, blank=True)
    record = models.ForeignKey(
        CreditRecord, null=True, blank=True, on_delete=models.PROTECT, related_name="evidence"
    )
    finding = models.ForeignKey(
        AnnualFinding, null=True, blank=True, on_delete=models.PROTECT, related_name="evidence"
    )
    # Evidence for a proposed change that makes a record negative or more severe; on
    # approval it moves to the new version (``record``) and keeps this link.
    change = models.ForeignKey(
        "RecordChange", null=True, blank=True, on_delete=models.PROTECT, related_name="evidence"
    )
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(_("uploaded"))

    class Meta:
        verbose_name = _("evidence")
        verbose_name_plural = _("evidence")
        ordering = ["uploaded_at"]

    def __str__(self) -> str:
        return self.original_name


class RecordChange(models.Model):
    """A proposed correction or withdrawal of a published record (four eyes, DESIGN §5).

    Nothing others see changes on one person's word: a clerk or reviewer proposes,
    another reviewer of a responsible department approves, and only then does the
    record get its new version (correction) or its withdrawn state. A change that
    makes the record negative or more severe follows the negative-record path:
    evidence before approval, a notice to the person before publication
    (《征信业管理条例》 art. 15), the display period from the rules.
    """

    class Kind(models.TextChoices):
        CORRECTION = "correction", _("correction")
        WITHDRAWAL = "withdrawal", _("withdrawal")

    class State(models.TextChoices):
        PENDING = "pending", _("awaiting approval")
        APPROVED = "approved", _("approved")
        REJECTED = "rejected", _("not approved")
        CANCELLED = "cancelled", _("cancelled")

    record = models.ForeignKey(
        CreditRecord, on_delete=models.PROTECT, related_name="changes", verbose_name=_("record")
    )
    kind = models.CharField(_("kind of change"), max_length=12, choices=Kind.choices)
    # The new field values, JSON-ready: foreign keys as ids, dates as ISO strings.
    changes = models.JSONField(_("changes"), default=dict, blank=True)
    reason = models.TextField(_("reason for the change"), max_length=2000)
    escalates = models.BooleanField(_("makes the record negative or more severe"), default=False)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.PENDING)
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("proposed by")
    )
    proposed_at = models.DateTimeField(_("proposed"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decision_reason = models.TextField(_("reason for the decision"), blank=True, max_length=2000)
    result = models.OneToOneField(
        CreditRecord, null=True, blank=True, on_delete=models.PROTECT, related_name="created_by_change",
        verbose_name=_("resulting version"),
    )

    class Meta:
        verbose_name = _("proposed change")
        verbose_name_plural = _("proposed changes")
        ordering = ["-proposed_at", "-id"]
        constraints = [
            # One open proposal per record version: a second one would race the first.
            models.UniqueConstraint(fields=["record"], condition=Q(state="pending"), name="record_one_pending_change"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.record_id}"

    @property
    def is_pending(self) -> bool:
        return self.state == self.State.PENDING


class Notice(models.Model):
    """A message to a subject shown in the citizen portal (and sent by SMS/e-mail).

    Before a negative record is published the subject is told (《征信业管理条例》
    art. 15); a penalty record carries the credit repair notice (信用修复告知书).
    """

    class Kind(models.TextChoices):
        PRE_PUBLICATION = "pre_publication", _("notice before publication of negative information")
        REPAIR_NOTICE = "repair_notice", _("credit repair notice")
        CASE_UPDATE = "case_update", _("case update")
        GENERAL = "general", _("general")

    subject = models.ForeignKey(Subject, on_delete=models.PROTECT, related_name="notices")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("message"))
    record = models.ForeignKey(CreditRecord, null=True, blank=True, on_delete=models.PROTECT, related_name="notices")
    created_at = models.DateTimeField(_("sent"), auto_now_add=True)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)

    class Meta:
        verbose_name = _("notice")
        verbose_name_plural = _("notices")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.title


class ArchiveGroupObjectPermission(GroupObjectPermissionBase):
    """django-guardian object permission with a real foreign key, so sharing an archive
    with one more department (through that department's group) is a join, not a
    string match on object_pk (DESIGN §6)."""

    content_object = models.ForeignKey(Archive, on_delete=models.CASCADE)

    class Meta(GroupObjectPermissionBase.Meta):
        abstract = False


class ArchiveUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(Archive, on_delete=models.CASCADE)

    class Meta(UserObjectPermissionBase.Meta):
        abstract = False
