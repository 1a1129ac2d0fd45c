"""Subjects (the people an archive is about) and their archives."""

from __future__ import annotations

import uuid
from datetime import date

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from credit_portal.fields import EncryptedTextField, is_blank


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

    @property
    def has_phone(self) -> bool:
        """Whether a phone is on file, without decrypting it (the archive page shows
        "(hidden)" and a button, never the number, until it is revealed)."""
        return not is_blank(self, "phone")

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

    # Indexed through one_archive_per_subject_occupation (subject first).
    subject = models.ForeignKey(
        Subject, on_delete=models.PROTECT, related_name="archives", verbose_name=_("subject"), db_index=False
    )
    # Indexed through archive_occupation_employer (occupation first).
    occupation = models.ForeignKey(
        "departments.Occupation", on_delete=models.PROTECT, related_name="archives", verbose_name=_("occupation"),
        db_index=False,
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
            # The overdue list reads open archives oldest update first (selectors.overdue_archives),
            # in its full order (last update, then id): archives updated at the same moment (an
            # import, a batch) would otherwise all be read and sorted before the first 20.
            models.Index(fields=["last_updated_at", "id"], name="archive_open_by_update", condition=Q(state="open")),
            # The department's archive list of one occupation, in its order (unit, then opening):
            # the first page is read from the index, not sorted from the whole occupation
            # (archives.intake.selectors.department_archives). It also serves every look-up by
            # occupation, for which Django's own index of the foreign key was dropped.
            models.Index(fields=["occupation", "employer", "id"], name="archive_occupation_employer"),
        ]
        permissions = [("share_archive", "Can act on a shared archive")]

    def __str__(self) -> str:
        return f"{self.subject.name} – {self.occupation}"
