"""The catalogue (DESIGN §4) and department memberships (DESIGN §6).

The catalogue is data loaded by migrations from the seeds and edited by the credit
office in the admin, never an enum in code. Each mapping keeps the seed it came from.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Seed(models.TextChoices):
    """The policy document a catalogue entry comes from (shared/seeds/README.md)."""

    GANZHOU_2019 = "000", _("000 Ganzhou city credit office notice")
    ANYANG_2022 = "001", _("001 Anyang county credit office notice, 2022")
    YANCHENG = "002", _("002 Yancheng city work plan")
    JIYUAN_2017 = "003", _("003 Jiyuan city government opinion, 2017")
    GUANGDONG_2017 = "004", _("004 Guangdong provincial implementation, 2017")
    LOCAL = "local", _("added by the credit office")


class Department(models.Model):
    """A responsible unit (责任单位), an industry association, or the credit office.

    ``name`` is stored without the level prefix (DESIGN §4); ``display_name`` adds the
    deployment's prefix (市 / 县 / 省, or 市委 for party organs).
    """

    class Kind(models.TextChoices):
        GOVERNMENT = "government", _("government department")
        PARTY = "party", _("party committee organ")
        ASSOCIATION = "association", _("industry association")
        SCHOOL = "school", _("school")
        CREDIT_OFFICE = "credit_office", _("credit office")

    code = models.SlugField(_("code"), max_length=50, unique=True)
    name = models.CharField(_("name"), max_length=100, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.GOVERNMENT)
    sort_order = models.PositiveIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)
    seeds = models.CharField(_("seeds"), max_length=50, blank=True, help_text=_("Seed documents naming this unit."))
    seed_references = models.TextField(
        _("seed references"), blank=True,
        help_text=_("Where the seeds name this unit and the names they use for it (level, former names)."),
    )

    class Meta:
        verbose_name = _("department")
        verbose_name_plural = _("departments")
        ordering = ["sort_order", "code"]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        return self.display_name_of(self.kind, self.name)

    @classmethod
    def display_name_of(cls, kind: str, name: str) -> str:
        """``display_name`` of a department of this kind and name (for a list read as
        values, without building the model row)."""
        prefix = {"city": "市", "county": "县", "province": "省"}[settings.PORTAL_LEVEL]
        if kind == cls.Kind.PARTY:
            return f"{prefix}委{name}"
        if kind in (cls.Kind.ASSOCIATION, cls.Kind.SCHOOL):
            return name
        return f"{prefix}{name}"


class Domain(models.Model):
    """A key domain (重点领域): food and drugs, work safety, fire safety…"""

    code = models.SlugField(_("code"), max_length=50, unique=True)
    name = models.CharField(_("name"), max_length=50, unique=True)
    sort_order = models.PositiveIntegerField(_("order"), default=0)
    seeds = models.CharField(_("seeds"), max_length=50, blank=True)

    class Meta:
        verbose_name = _("key domain")
        verbose_name_plural = _("key domains")
        ordering = ["sort_order", "code"]

    def __str__(self) -> str:
        return self.name


class RecordCategory(models.Model):
    """A kind of information an archive holds (信息类别), with its legal basis.

    The national public credit information catalogue admits only information with a
    basis in law or a local supplementary catalogue (DESIGN §7), so ``legal_basis`` is
    required.
    """

    code = models.SlugField(_("code"), max_length=50, unique=True)
    name = models.CharField(_("name"), max_length=50, unique=True)
    description = models.TextField(_("description"), blank=True)
    legal_basis = models.TextField(_("legal basis"))
    is_common = models.BooleanField(
        _("common to every occupation"), default=False,
        help_text=_("Held by every archive regardless of occupation."),
    )
    keeper_kind = models.CharField(
        _("recorded only by"), max_length=20, choices=Department.Kind.choices, blank=True,
        help_text=_("Only units of this kind may record information of this category (e.g. an industry "
                    "association's sanctions of its members, 004 item 27); empty: any responsible unit."),
    )
    positive_only = models.BooleanField(
        _("positive information only"), default=False,
        help_text=_("Honours (003 item 5): a record of this category is always positive information."),
    )
    sort_order = models.PositiveIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("record category")
        verbose_name_plural = _("record categories")
        ordering = ["sort_order", "code"]

    def __str__(self) -> str:
        return self.name


class Occupation(models.Model):
    """A key occupation group (重点职业人群)."""

    class Group(models.TextChoices):
        CORE = "core", _("core group (国办发〔2016〕98号)")
        LOCAL = "local", _("group named by a local seed")
        EXTENDED = "extended", _("extended group")

    class Cadence(models.TextChoices):
        # 001 §三(五): records are updated yearly, quarterly or monthly by kind.
        MONTHLY = "monthly", _("monthly")
        QUARTERLY = "quarterly", _("quarterly")
        YEARLY = "yearly", _("yearly")

    code = models.SlugField(_("code"), max_length=50, unique=True)
    name = models.CharField(_("name"), max_length=100, unique=True)
    description = models.TextField(_("description"), blank=True)
    group = models.CharField(_("group"), max_length=10, choices=Group.choices, default=Group.CORE)
    special_contents = models.TextField(
        _("specific contents"), blank=True,
        help_text=_("Occupation-specific information the seed asks the archive to record."),
    )
    seed_references = models.TextField(
        _("seed references"), blank=True, help_text=_("Where the seeds name this group (file and section)."),
    )
    minimum_age = models.PositiveSmallIntegerField(
        _("minimum age"), null=True, blank=True,
        help_text=_("An archive is opened only for a person of at least this age (full years)."),
    )
    minimum_age_basis = models.CharField(
        _("basis of the minimum age"), max_length=200, blank=True,
        help_text=_("The document and section that set the minimum age."),
    )
    sort_order = models.PositiveIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)
    departments = models.ManyToManyField(
        Department, through="OccupationDepartment", related_name="occupations",
        verbose_name=_("responsible departments"),
    )
    categories = models.ManyToManyField(
        RecordCategory, through="OccupationCategory", related_name="occupations",
        verbose_name=_("record categories"),
    )

    class Meta:
        verbose_name = _("key occupation group")
        verbose_name_plural = _("key occupation groups")
        ordering = ["sort_order", "code"]
        constraints = [
            # A minimum age nobody can trace is not a rule to refuse a person with.
            models.CheckConstraint(
                condition=models.Q(minimum_age__isnull=True) | ~models.Q(minimum_age_basis=""),
                name="occupation_minimum_age_has_basis",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class UpdateCadence(models.Model):
    """How often one kind of an occupation's information must be refreshed, and why.

    001 §三（五）: "各类信用信息要依据信息产生的周期，按年度、季度或月度更新信用记录". An
    occupation may have one row per kind (yearly, quarterly, monthly); an open archive
    is overdue when it was not updated within the shortest interval its occupation
    declares. The source is required: a cadence nobody can trace to a seed or a local
    rule is not a rule the credit office can defend.
    """

    occupation = models.ForeignKey(
        Occupation, on_delete=models.CASCADE, related_name="cadences", verbose_name=_("occupation")
    )
    kind = models.CharField(_("cadence"), max_length=10, choices=Occupation.Cadence.choices)
    days = models.PositiveSmallIntegerField(
        _("days between updates"), help_text=_("An archive not updated for longer is listed as overdue.")
    )
    information = models.CharField(
        _("information concerned"), max_length=200, blank=True,
        help_text=_("Which information of the occupation is refreshed at this cadence."),
    )
    seed = models.CharField(_("seed"), max_length=10, choices=Seed.choices)
    source = models.TextField(_("source"), help_text=_("The document and section the cadence comes from."))

    class Meta:
        verbose_name = _("update cadence")
        verbose_name_plural = _("update cadences")
        ordering = ["occupation__sort_order", "days"]
        constraints = [
            models.UniqueConstraint(fields=["occupation", "kind"], name="unique_occupation_cadence"),
            models.CheckConstraint(condition=~models.Q(source=""), name="cadence_has_source"),
            models.CheckConstraint(condition=models.Q(days__gt=0), name="cadence_days_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.occupation} – {self.get_kind_display()}"


class OccupationDepartment(models.Model):
    """A department responsible for an occupation's archives, and the seed saying so."""

    occupation = models.ForeignKey(Occupation, on_delete=models.CASCADE, verbose_name=_("occupation"))
    department = models.ForeignKey(Department, on_delete=models.PROTECT, verbose_name=_("department"))
    seed = models.CharField(_("seed"), max_length=10, choices=Seed.choices)
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("responsibility")
        verbose_name_plural = _("responsibilities")
        constraints = [
            models.UniqueConstraint(fields=["occupation", "department"], name="unique_occupation_department")
        ]

    def __str__(self) -> str:
        return f"{self.occupation} – {self.department}"


class OccupationCategory(models.Model):
    """A record category an occupation's archive holds, and the seed saying so.

    Every row is an item the seed says the archive records ("主要记录……", 000 §二); an item
    the seed says **must** be recorded is marked ``must_record`` with the seed's words in
    ``must_record_basis`` (000 §二（一）: "廉政记录（特别是被纪检监察部门处分的信息必须记入信用
    档案）"). The clerk's record form marks those categories (必须记入)."""

    occupation = models.ForeignKey(Occupation, on_delete=models.CASCADE, verbose_name=_("occupation"))
    category = models.ForeignKey(RecordCategory, on_delete=models.PROTECT, verbose_name=_("category"))
    seed = models.CharField(_("seed"), max_length=10, choices=Seed.choices)
    note = models.CharField(_("note"), max_length=200, blank=True)
    must_record = models.BooleanField(
        _("must be recorded (必须记入)"), default=False,
        help_text=_("The seed says this information must be recorded in the archive; give its words as the basis."),
    )
    must_record_basis = models.CharField(
        _("basis of the duty to record"), max_length=300, blank=True,
        help_text=_("The seed's own words and section, e.g. 000 §二（一）「……必须记入信用档案」."),
    )

    class Meta:
        verbose_name = _("occupation category")
        verbose_name_plural = _("occupation categories")
        constraints = [
            models.UniqueConstraint(fields=["occupation", "category"], name="unique_occupation_category"),
            # A duty to record without its source is refused (DESIGN §7: rules are data with their source).
            models.CheckConstraint(
                condition=Q(must_record=False) | ~Q(must_record_basis=""), name="occupation_category_must_record_has_basis",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.occupation} – {self.category}"


class Membership(models.Model):
    """A staff user's role in one department: the scope of what they may act on."""

    class Role(models.TextChoices):
        CLERK = "clerk", _("clerk")
        REVIEWER = "reviewer", _("reviewer")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("user")
    )
    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, related_name="memberships", verbose_name=_("department")
    )
    role = models.CharField(_("role"), max_length=10, choices=Role.choices)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(fields=["user", "department", "role"], name="unique_membership")
        ]

    def __str__(self) -> str:
        return f"{self.user} – {self.department} ({self.get_role_display()})"


class CoverageEntry(models.Model):
    """A row of the coverage table of 000's annex (重点人群信用档案建设情况表)."""

    department = models.OneToOneField(
        Department, on_delete=models.CASCADE, related_name="coverage", verbose_name=_("department")
    )
    archive_established = models.BooleanField(_("archive set up"), null=True, blank=True)
    policy_document = models.CharField(_("policy document"), max_length=300, blank=True)
    next_steps = models.TextField(_("next steps"), blank=True)
    remarks = models.TextField(_("remarks"), blank=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("coverage entry")
        verbose_name_plural = _("coverage table")
        ordering = ["department__sort_order"]

    def __str__(self) -> str:
        return str(self.department)


class RuleFiling(models.Model):
    """A department's rules for its archives, filed with the credit office (备案).

    001 §五: "各单位要建立重点领域职业人群信用档案, 报县信用办备案". A department files
    the title, number and date of the document it issued; the credit office
    acknowledges the filing. The coverage table shows each department's filings.
    """

    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, related_name="rule_filings", verbose_name=_("department")
    )
    title = models.CharField(_("title of the document"), max_length=200)
    document_number = models.CharField(_("document number"), max_length=60, blank=True)
    issued_on = models.DateField(_("issued on"))
    summary = models.TextField(_("what the rules cover"), max_length=2000, blank=True)
    filed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    filed_at = models.DateTimeField(_("filed"))
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    acknowledged_at = models.DateTimeField(_("acknowledged"), null=True, blank=True)

    class Meta:
        verbose_name = _("rule filing")
        verbose_name_plural = _("rule filings")
        ordering = ["-filed_at", "-pk"]
        indexes = [models.Index(fields=["department", "-filed_at"], name="filing_department_filed")]

    def __str__(self) -> str:
        return self.title


class DepartmentEvaluation(models.Model):
    """The credit office's yearly evaluation of a department's work on personal credit
    archives (002 §三1: "建立工作考核推进机制"; 004 item 30: "将个人诚信体系建设工作纳入
    '两建'工作年度考核").

    ``figures`` keeps the computed coverage figures the evaluation was made on, so the
    grade stays explainable after the archives change.
    """

    class Grade(models.TextChoices):
        EXCELLENT = "excellent", _("excellent")
        GOOD = "good", _("good")
        PASS = "pass", _("pass")
        FAIL = "fail", _("fail")

    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, related_name="evaluations", verbose_name=_("department")
    )
    year = models.PositiveSmallIntegerField(_("year"))
    grade = models.CharField(_("grade"), max_length=10, choices=Grade.choices)
    score = models.PositiveSmallIntegerField(_("score"))
    notes = models.TextField(_("findings of the evaluation"), max_length=4000)
    figures = models.JSONField(_("figures at the time"), default=dict)
    evaluated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    evaluated_at = models.DateTimeField(_("evaluated"))

    class Meta:
        verbose_name = _("yearly evaluation of a department")
        verbose_name_plural = _("yearly evaluations of departments")
        ordering = ["-year", "department__sort_order"]
        constraints = [
            models.UniqueConstraint(fields=["department", "year"], name="one_evaluation_per_department_year"),
            models.CheckConstraint(condition=models.Q(score__lte=100), name="evaluation_score_at_most_100"),
        ]

    def __str__(self) -> str:
        return f"{self.department} {self.year}"
