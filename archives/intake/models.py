"""Tables of the intake: upload jobs, the department's
intake setting, department-system credentials and batches of yearly findings.

Personal data stays encrypted: the uploaded workbook and its error report hold ID
numbers in clear inside the file, so both are stored as SM4-GCM tokens
(``EncryptedTextField``, the file's bytes base64-encoded), and a department system's
signing secret, which the portal must read to verify signatures, is encrypted the
same way while its key identifier is kept only as a keyed hash.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from credit_portal.fields import EncryptedTextField


class IntakeSettings(models.Model):
    """How a department's imported rows land (001 §三(四): departments without a
    system submit on the platform; the credit office decides per department)."""

    department = models.OneToOneField(
        "departments.Department", on_delete=models.CASCADE, related_name="intake_settings",
        verbose_name=_("department"),
    )
    submit_for_review = models.BooleanField(
        _("imported rows go straight to review"), default=False,
        help_text=_("Off: imported rows are drafts the clerk checks and submits."),
    )

    class Meta:
        verbose_name = _("intake setting")
        verbose_name_plural = _("intake settings")

    def __str__(self) -> str:
        return str(self.department)


class ImportJob(models.Model):
    """One uploaded workbook and what became of it."""

    class Mode(models.TextChoices):
        ALL_OR_NOTHING = "all", _("all rows or none")
        ACCEPT_VALID = "valid", _("accept the valid rows")

    class State(models.TextChoices):
        PENDING = "pending", _("waiting")
        RUNNING = "running", _("importing")
        DONE = "done", _("done")
        REFUSED = "refused", _("refused")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    department = models.ForeignKey("departments.Department", on_delete=models.PROTECT, related_name="+")
    occupation = models.ForeignKey("departments.Occupation", on_delete=models.PROTECT, related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("uploaded"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    original_name = models.CharField(_("file name"), max_length=200)
    digest = models.CharField(_("SM3 digest"), max_length=64)
    upload = EncryptedTextField(_("uploaded file"), blank=True)
    mode = models.CharField(_("mode"), max_length=10, choices=Mode.choices, default=Mode.ALL_OR_NOTHING)
    submit = models.BooleanField(_("submit for review"), default=False)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.PENDING)
    total_rows = models.PositiveIntegerField(default=0)
    created_count = models.PositiveIntegerField(default=0)
    skipped_count = models.PositiveIntegerField(default=0)
    error_count = models.PositiveIntegerField(default=0)
    message = models.TextField(_("message"), blank=True)
    error_report = EncryptedTextField(_("error report"), blank=True)

    class Meta:
        verbose_name = _("import job")
        verbose_name_plural = _("import jobs")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.original_name} ({self.get_state_display()})"

    @property
    def is_finished(self) -> bool:
        return self.state in {self.State.DONE, self.State.REFUSED}


class DepartmentSystem(models.Model):
    """Credentials of one department's business system (001 §三(四): departments with
    a system connect by interface), issued by the credit office.

    The key id is stored only as a keyed hash (found by it, never shown again); the
    signing secret is encrypted (the portal has to read it to check HMAC-SM3
    signatures). The system acts through its own service account, a clerk of its
    department, so every service applies the same scope and four eyes to it.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    department = models.ForeignKey(
        "departments.Department", on_delete=models.PROTECT, related_name="+", verbose_name=_("department")
    )
    name = models.CharField(_("name"), max_length=100)
    key_id_index = models.CharField(max_length=64, unique=True, editable=False)
    key_id_prefix = models.CharField(_("key id (start)"), max_length=8, editable=False)
    secret = EncryptedTextField(_("signing secret"))
    account = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="department_system", editable=False
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("issued"), auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("department system")
        verbose_name_plural = _("department systems")

    def __str__(self) -> str:
        return f"{self.name} ({self.key_id_prefix}…)"


class FindingBatch(models.Model):
    """Yearly 守信 findings drafted together for a unit or an occupation and signed
    together by another reviewer (001 annex, 填表说明 1)."""

    class State(models.TextChoices):
        DRAFT = "draft", _("draft")
        SIGNED = "signed", _("signed")

    department = models.ForeignKey("departments.Department", on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField(_("year"))
    occupation = models.ForeignKey(
        "departments.Occupation", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        verbose_name=_("occupation"),
    )
    employer = models.CharField(_("employer"), max_length=200, blank=True)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.DRAFT)
    drafted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    signed_at = models.DateTimeField(_("signed"), null=True, blank=True)
    findings = models.ManyToManyField("archives.AnnualFinding", related_name="+")

    class Meta:
        verbose_name = _("batch of yearly findings")
        verbose_name_plural = _("batches of yearly findings")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.year} {self.employer or self.occupation}"
