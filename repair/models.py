"""Objections (异议), credit repair applications (信用修复) and their deadlines (DESIGN §5, §7).

A case never edits a credit record itself: every outcome goes through
``archives.services`` (a correction is a new version, a withdrawal and a repair are
states). This app keeps the case, its deadlines, its timeline, its files, the
citizen's personal statement and the 好差评 rating.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Case as SqlCase
from django.db.models import F, Q, When
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class DeadlineRule(models.Model):
    """One configurable deadline (DESIGN §7: all rules with numbers are data).

    ``unit`` is ``working`` (working days on the official calendar, holidays and
    make-up days included) or ``calendar`` (calendar days; a period whose last day is
    not a working day ends on the next working day, 《民法典》 art. 203).
    ``starts_from`` names the event the period is counted from, and ``source`` the
    text that sets it: a rule without a source is refused (form, ``clean`` and a
    database constraint), so every deadline a citizen is told can be traced to law.
    """

    class Key(models.TextChoices):
        OBJECTION_ACCEPT = "objection_accept", _("accept or refuse an objection")
        OBJECTION_CONCLUDE = "objection_conclude", _("conclude an accepted objection")
        REPAIR_ACCEPT = "repair_accept", _("accept or refuse a repair application")
        REPAIR_DECIDE = "repair_decide", _("decide an accepted repair application")

    class Unit(models.TextChoices):
        WORKING = "working", _("working days")
        CALENDAR = "calendar", _("calendar days")

    class Start(models.TextChoices):
        FILED = "filed", _("the day the case was filed")
        ACCEPTED = "accepted", _("the day the case was accepted")

    key = models.CharField(_("deadline"), max_length=30, choices=Key.choices, unique=True)
    days = models.PositiveSmallIntegerField(_("days"))
    unit = models.CharField(_("unit"), max_length=10, choices=Unit.choices, default=Unit.WORKING)
    starts_from = models.CharField(_("counted from"), max_length=10, choices=Start.choices, default=Start.FILED)
    source = models.CharField(_("source"), max_length=300)

    class Meta:
        verbose_name = _("deadline rule")
        verbose_name_plural = _("deadline rules")
        constraints = [
            models.CheckConstraint(condition=~Q(source=""), name="deadline_rule_has_source"),
            models.CheckConstraint(condition=Q(days__gt=0), name="deadline_rule_days_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.get_key_display()}: {self.days} {self.get_unit_display()}"

    # The longest each deadline may run, as the law or the national rules set it:
    # (days, unit, counted from, the text that sets it). A credit office may set a rule
    # shorter, never longer (as ``archives.DisplayRule.BOUNDS``); ``clean`` refuses the rest.
    # A rule in calendar days always ends no later than one of as many working days (a
    # calendar period ending on a rest day moves to the next working day, which the
    # working-day count reaches no sooner), and a period counted from the filing no later
    # than one counted from the acceptance: both are "shorter".
    BOUNDS = {
        # 《征信业管理条例》 art. 25: "受理异议的机构应当在收到异议之日起20日内进行核查和处理，
        # 并将结果书面答复异议人" – a legal maximum: 20 days (日: calendar days, 《民法典》
        # art. 203 for a last day that is a rest day) from receipt, i.e. the filing.
        Key.OBJECTION_CONCLUDE: (
            20, Unit.CALENDAR, Start.FILED, _('《征信业管理条例》 art. 25 ("自收到异议之日起20日内")'),
        ),
        # DESIGN §7 and the default's recorded source: NDRC 《信用修复管理办法》 (2026),
        # "decide within 10 working days of acceptance" – the national rules' maximum.
        Key.REPAIR_DECIDE: (10, Unit.WORKING, Start.ACCEPTED, _("NDRC 《信用修复管理办法》 (2026)")),
        # No law or national rule sets a maximum for accepting or refusing: the 2 working
        # days are DESIGN §7's default for objections, the repair one "as for objections"
        # (their recorded sources). None is invented. The legal maximum of an objection is
        # on its answer, counted from the filing however long the acceptance takes.
        Key.OBJECTION_ACCEPT: None, Key.REPAIR_ACCEPT: None,
    }
    # An acceptance deadline is counted from the filing: counted from the acceptance
    # itself there is no day to count from (the case's accept_due would be empty).
    ACCEPT_KEYS = (Key.OBJECTION_ACCEPT, Key.REPAIR_ACCEPT)

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        errors = {}
        if not (self.source or "").strip():
            errors["source"] = _("Name the law or rule that sets this deadline.")
        if self.days is not None and self.days < 1:
            errors["days"] = _("A deadline is at least one day.")
        if self.key in self.ACCEPT_KEYS and self.starts_from != self.Start.FILED:
            errors["starts_from"] = _(
                "A deadline to accept or refuse a case is counted from the day the case was filed, "
                "not from the acceptance itself."
            )
        bound = self.BOUNDS.get(self.key)
        if bound is not None:
            most, unit, starts_from, basis = bound
            if self.days is not None and self.days > most:
                errors["days"] = _(
                    "%(basis)s allows at most %(days)d %(unit)s: this deadline may be set shorter, never longer."
                ) % {"basis": basis, "days": most, "unit": self.Unit(unit).label}
            if unit == self.Unit.CALENDAR and self.unit != self.Unit.CALENDAR:
                errors["unit"] = _(
                    "%(basis)s counts this deadline in calendar days: counted in working days it would end "
                    "later than allowed."
                ) % {"basis": basis}
            if starts_from == self.Start.FILED and self.starts_from != self.Start.FILED:
                errors["starts_from"] = _(
                    "%(basis)s counts this deadline from the day the case was filed: counted from the "
                    "acceptance it would end later than allowed."
                ) % {"basis": basis}
        if errors:
            raise ValidationError(errors)


def next_due() -> SqlCase:
    """``Case.due`` of an open case in SQL: the decision deadline once accepted, the
    acceptance deadline before. The credit office's queue orders each stage by it."""
    return SqlCase(When(accepted_at__isnull=False, then=F("decide_due")), default=F("accept_due"))


def urgent_first_index(name: str, open_states: list[str]) -> models.Index:
    """Each stage's open cases, most urgent first (``repair.selectors.queue``): the queue
    reads a stage's first 20 from it, however long the backlog, instead of ranking
    every open case."""
    return models.Index(F("state"), next_due(), F("filed_at"), F("id"), name=name,
                        condition=Q(state__in=open_states))


class Case(models.Model):
    """What objections and repair applications share: reference, owner, deadlines."""

    reference = models.CharField(_("reference"), max_length=30, unique=True, editable=False)
    record = models.ForeignKey(
        "archives.CreditRecord", on_delete=models.PROTECT, related_name="+", verbose_name=_("credit record")
    )
    subject = models.ForeignKey("archives.Subject", on_delete=models.PROTECT, related_name="+", verbose_name=_("subject"))
    filed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    filed_at = models.DateTimeField(_("filed"))
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        verbose_name=_("officer in charge"),
    )
    accept_due = models.DateField(_("accept or refuse by"))
    decide_due = models.DateField(_("conclude by"), null=True, blank=True)
    accepted_at = models.DateTimeField(_("accepted"), null=True, blank=True)
    concluded_at = models.DateTimeField(_("concluded"), null=True, blank=True)
    concluded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    conclusion = models.TextField(_("written answer"), blank=True)
    # 补正材料: the credit office asks the applicant for missing material, once at a time;
    # the request stands until the applicant adds files.
    material_request = models.TextField(_("material asked for"), blank=True)
    material_requested_at = models.DateTimeField(_("material asked for on"), null=True, blank=True)

    class Meta:
        abstract = True

    @property
    def due(self):  # noqa: ANN201 - date | None
        """The deadline of the current stage (None once concluded)."""
        if self.concluded_at is not None:
            return None
        return self.decide_due if self.accepted_at is not None else self.accept_due


class Objection(Case):
    """A subject's objection to one of their records (DESIGN §5: submitted → accepted |
    refused → verifying → upheld | dismissed; 《征信业管理条例》 art. 25)."""

    # One name per state on every page, notice and SMS: the labels below are the only
    # wording of a state (the "case state" context keeps them apart from words that
    # look the same elsewhere, e.g. a refused data-sharing request).
    class State(models.TextChoices):
        SUBMITTED = "submitted", pgettext_lazy("case state", "awaiting acceptance")
        REFUSED = "refused", pgettext_lazy("case state", "not accepted")
        VERIFYING = "verifying", pgettext_lazy("case state", "being verified by the department")
        PROPOSED = "proposed", pgettext_lazy("case state", "answered by the department")
        UPHELD = "upheld", pgettext_lazy("case state", "objection upheld")
        DISMISSED = "dismissed", pgettext_lazy("case state", "objection dismissed")
        UNVERIFIABLE = "unverifiable", pgettext_lazy("case state", "could not be verified")
        WITHDRAWN = "withdrawn", pgettext_lazy("case state", "withdrawn by the applicant")

    class Proposal(models.TextChoices):
        CORRECT = "correct", _("correct the record")
        WITHDRAW = "withdraw", _("withdraw the record")
        KEEP = "keep", _("keep the record as it is")
        UNVERIFIABLE = "unverifiable", _("the record cannot be verified")

    OPEN_STATES = (State.SUBMITTED, State.VERIFYING, State.PROPOSED)
    # Outcomes against the citizen: the page and the notice show the remedies.
    ADVERSE_STATES = (State.REFUSED, State.DISMISSED, State.UNVERIFIABLE)
    # The subject may add a personal statement (本人声明) while the record is under
    # objection, and once the objection ended disputed (dismissed or unverifiable).
    STATEMENT_STATES = (State.SUBMITTED, State.VERIFYING, State.PROPOSED, State.DISMISSED, State.UNVERIFIABLE)

    state = models.CharField(_("state"), max_length=15, choices=State.choices, default=State.SUBMITTED, db_index=True)
    reasons = models.TextField(_("why the record is wrong"))
    refusal_reason = models.TextField(_("reason for refusal"), blank=True)
    proposal = models.CharField(_("department's proposal"), max_length=15, choices=Proposal.choices, blank=True)
    proposal_reason = models.TextField(_("department's findings"), blank=True)
    proposed_changes = models.JSONField(_("proposed changes"), default=dict, blank=True)
    # The department's answer (答复): drafted by one member, signed by a reviewer who is
    # someone else. One answer per round; the credit office may send it back for more
    # work (补正), which opens the next round. ``proposed_*`` is the signature.
    answer_round = models.PositiveSmallIntegerField(_("round of the answer"), default=1)
    drafted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        verbose_name=_("answer drafted by"),
    )
    drafted_at = models.DateTimeField(_("answer drafted"), null=True, blank=True)
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        verbose_name=_("answer signed by"),
    )
    proposed_at = models.DateTimeField(_("answered by the department"), null=True, blank=True)
    sent_back_reason = models.TextField(_("why the answer was sent back"), blank=True)
    result = models.CharField(_("result"), max_length=12, blank=True)  # corrected | withdrawn | unchanged
    resulting_record = models.ForeignKey(
        "archives.CreditRecord", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("objection")
        verbose_name_plural = _("objections")
        ordering = ["-filed_at"]
        indexes = [urgent_first_index("objection_urgent_first", ["submitted", "verifying", "proposed"])]
        constraints = [
            # A second open objection on the same record lineage is refused by the
            # service; this index makes two simultaneous filings unable to both win.
            models.UniqueConstraint(
                fields=["record"], condition=Q(state__in=["submitted", "verifying", "proposed"]),
                name="one_open_objection_per_record",
            ),
            # Four eyes on the department's answer, kept by the database too.
            models.CheckConstraint(
                condition=Q(proposed_by__isnull=True) | Q(drafted_by__isnull=True) | ~Q(proposed_by=F("drafted_by")),
                name="objection_answer_four_eyes",
            ),
        ]
        permissions = [
            ("supervise_case", "Can act on any objection or repair case and assign them"),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def is_open(self) -> bool:
        return self.state in self.OPEN_STATES

    @property
    def is_adverse(self) -> bool:
        return self.state in self.ADVERSE_STATES

    @property
    def has_unsigned_answer(self) -> bool:
        return self.drafted_at is not None and self.proposed_at is None


class RepairApplication(Case):
    """A credit repair application (DESIGN §5: submitted → accepted | refused →
    approved | rejected; §7; 002 §二(三)5; 003 item 10)."""

    class State(models.TextChoices):
        SUBMITTED = "submitted", pgettext_lazy("case state", "awaiting acceptance")
        REFUSED = "refused", pgettext_lazy("case state", "not accepted")
        ACCEPTED = "accepted", pgettext_lazy("case state", "accepted, being decided")
        APPROVED = "approved", pgettext_lazy("case state", "repair approved")
        REJECTED = "rejected", pgettext_lazy("case state", "repair rejected")
        WITHDRAWN = "withdrawn", pgettext_lazy("case state", "withdrawn by the applicant")

    OPEN_STATES = (State.SUBMITTED, State.ACCEPTED)
    ADVERSE_STATES = (State.REFUSED, State.REJECTED)
    STATEMENT_STATES: tuple[str, ...] = ()  # statements belong to objections

    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.SUBMITTED, db_index=True)
    fulfilment = models.TextField(_("how the obligations were fulfilled"))
    commitment_text = models.TextField(_("credit commitment"))
    commitment_confirmed_at = models.DateTimeField(_("commitment confirmed"))
    extra_actions = models.TextField(_("training, volunteering or charity"), blank=True)
    refusal_reason = models.TextField(_("reason for refusal"), blank=True)

    class Meta:
        verbose_name = _("credit repair application")
        verbose_name_plural = _("credit repair applications")
        ordering = ["-filed_at"]
        indexes = [urgent_first_index("repair_urgent_first", ["submitted", "accepted"])]
        constraints = [
            models.UniqueConstraint(
                fields=["record"], condition=Q(state__in=["submitted", "accepted"]),
                name="one_open_repair_per_record",
            ),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def is_open(self) -> bool:
        return self.state in self.OPEN_STATES

    @property
    def is_adverse(self) -> bool:
        return self.state in self.ADVERSE_STATES


class CaseEvent(models.Model):
    """One step of a case's timeline, shown on the case page."""

    objection = models.ForeignKey(Objection, null=True, blank=True, on_delete=models.CASCADE, related_name="events")
    application = models.ForeignKey(
        RepairApplication, null=True, blank=True, on_delete=models.CASCADE, related_name="events"
    )
    action = models.CharField(_("step"), max_length=40)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    note = models.TextField(_("note"), blank=True)
    at = models.DateTimeField(_("when"))
    due = models.DateField(_("next deadline"), null=True, blank=True)

    class Meta:
        ordering = ["at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(objection__isnull=False, application__isnull=True)
                | Q(objection__isnull=True, application__isnull=False),
                name="case_event_one_case",
            ),
        ]

    def __str__(self) -> str:
        return self.action


def case_file_upload_to(instance: CaseFile, filename: str) -> str:
    return f"cases/{instance.uploaded_at:%Y/%m}/{uuid.uuid4().hex}"


class CaseFile(models.Model):
    """A file the citizen attaches to a case (evidence of an error, proof of
    fulfilment, training, volunteering or charity), checked like record evidence."""

    class Kind(models.TextChoices):
        EVIDENCE = "evidence", _("evidence")
        FULFILMENT = "fulfilment", _("proof of fulfilment")
        EXTRA = "extra", _("training, volunteering or charity")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    objection = models.ForeignKey(Objection, null=True, blank=True, on_delete=models.PROTECT, related_name="files")
    application = models.ForeignKey(
        RepairApplication, null=True, blank=True, on_delete=models.PROTECT, related_name="files"
    )
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices, default=Kind.EVIDENCE)
    file = models.FileField(_("file"), upload_to=case_file_upload_to, max_length=200)
    original_name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(_("type"), max_length=100)
    size = models.PositiveIntegerField(_("size"))
    digest = models.CharField(_("SM3 digest"), max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(_("uploaded"))

    class Meta:
        ordering = ["uploaded_at"]

    def __str__(self) -> str:
        return self.original_name


class PersonalStatement(models.Model):
    """本人声明: the subject's own statement shown with a record that could not be
    verified (DESIGN §7, modelled on 《征信业管理条例》 art. 25)."""

    lineage = models.UUIDField(_("record"), db_index=True)
    objection = models.OneToOneField(Objection, on_delete=models.PROTECT, related_name="statement")
    subject = models.ForeignKey("archives.Subject", on_delete=models.PROTECT, related_name="+")
    text = models.TextField(_("personal statement"))
    created_at = models.DateTimeField(_("made"))

    class Meta:
        verbose_name = _("personal statement")
        verbose_name_plural = _("personal statements")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"statement {self.pk}"


class Rating(models.Model):
    """The citizen's 好差评 rating of a finished case (国办发〔2019〕51号: five levels)."""

    class Score(models.IntegerChoices):
        VERY_DISSATISFIED = 1, _("very dissatisfied")
        DISSATISFIED = 2, _("dissatisfied")
        FAIRLY_SATISFIED = 3, _("fairly satisfied")
        SATISFIED = 4, _("satisfied")
        VERY_SATISFIED = 5, _("very satisfied")

    POOR = (Score.VERY_DISSATISFIED, Score.DISSATISFIED)

    objection = models.OneToOneField(Objection, null=True, blank=True, on_delete=models.PROTECT, related_name="rating")
    application = models.OneToOneField(
        RepairApplication, null=True, blank=True, on_delete=models.PROTECT, related_name="rating"
    )
    score = models.PositiveSmallIntegerField(_("rating"), choices=Score.choices)
    comment = models.TextField(_("comment"), blank=True)
    rated_at = models.DateTimeField(_("rated"))
    # A poor rating is a task for the credit office (国办发〔2019〕51号: 差评整改).
    needs_follow_up = models.BooleanField(_("needs follow-up"), default=False)
    follow_up_note = models.TextField(_("follow-up"), blank=True)
    followed_up_at = models.DateTimeField(_("followed up"), null=True, blank=True)
    followed_up_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("rating")
        verbose_name_plural = _("ratings")
        constraints = [
            models.CheckConstraint(
                condition=Q(objection__isnull=False, application__isnull=True)
                | Q(objection__isnull=True, application__isnull=False),
                name="rating_one_case",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.score}/5"


class Reminder(models.Model):
    """One reminder sent for one case stage on one day: the daily task is safe to run twice."""

    case_key = models.CharField(max_length=40)
    due = models.DateField()
    sent_on = models.DateField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["case_key", "due", "sent_on"], name="reminder_once_per_day")]

    def __str__(self) -> str:
        return f"{self.case_key} {self.sent_on}"
