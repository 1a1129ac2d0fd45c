"""Units and their responsible persons: legal representative, principal, directly responsible.

003 §三（一）2 (济源市): "以……企事业单位法定代表人及相关责任人为主要对象……对企事业单位严重
失信行为，在记入企事业单位信用记录的同时，记入其法定代表人、主要负责人和其他负有直接责任人员
的个人信用记录". 003 §三（三）6: "在对失信企事业单位进行联合惩戒的同时，依照法律、法规和政策
规定对相关责任人员采取相应的联合惩戒措施，将联合惩戒措施落实到人".

A ``Unit`` is identified by its unified social credit code (GB 32100-2015, checked with
python-stdnum) and kept by a department. Its legal representative, principal person in
charge and other directly responsible persons are ``UnitPerson`` links, each to a
``Subject`` (an adult) and the person's archive the department keeps. A
``UnitDishonesty`` is one serious dishonesty of the unit, recorded against the persons
it names: one credit record in each named person's archive (``source =
unit_dishonesty``, ``UnitDishonestyRecord``), following the ordinary record lifecycle
all together: submitted by the clerk, published by another reviewer (four eyes),
withdrawn by an approved proposal.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from credit_portal.masking import mask_name


class Unit(models.Model):
    """An enterprise or public institution (企事业单位). Its legal representative,
    principal person in charge and other directly responsible persons are ``UnitPerson``
    links, not fields of the unit."""

    credit_code = models.CharField(_("unified social credit code"), max_length=18, unique=True)
    name = models.CharField(_("unit name"), max_length=200)
    department = models.ForeignKey(
        "departments.Department",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("keeping department"),
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("registered"), auto_now_add=True)

    class Meta:
        verbose_name = _("unit")
        verbose_name_plural = _("units")
        ordering = ["name", "id"]
        indexes = [models.Index(fields=["department", "name"], name="unit_department_name")]

    def __str__(self) -> str:
        return f"{self.name} ({self.credit_code})"


class UnitPerson(models.Model):
    """A person responsible for a unit in one role, 003 §三（一）2's three: 法定代表人,
    主要负责人, 其他负有直接责任人员.

    One link table with a role rather than a representative field plus a table for the
    others: the three are written to in the same way (a unit's serious dishonesty goes
    into each named person's archive), checked in the same way (an adult with an open
    archive the keeping department keeps) and changed in the same way (audited, the old
    link ended, never deleted), so one mechanism holds them all; the legal
    representative the unit was registered with became such a link (migration 0003).

    A link is ended, not deleted, when the person leaves the role: the records a unit's
    dishonesty wrote stay in the archive of whoever was responsible when the conduct
    occurred (``UnitDishonestyRecord.person`` keeps the link of that time)."""

    class Role(models.TextChoices):
        LEGAL_REPRESENTATIVE = "legal_representative", _("legal representative")
        PRINCIPAL = "principal", _("principal person in charge")
        DIRECTLY_RESPONSIBLE = "directly_responsible", _("other directly responsible person")

    # A unit has one legal representative (《民法典》第六十一条) and one principal person in
    # charge at a time; any number of other directly responsible persons.
    SINGLE_ROLES = (Role.LEGAL_REPRESENTATIVE, Role.PRINCIPAL)
    # The order lists and forms show them in, and the default of a unit's dishonesty.
    ORDER = (Role.LEGAL_REPRESENTATIVE, Role.PRINCIPAL, Role.DIRECTLY_RESPONSIBLE)

    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="people", verbose_name=_("unit"))
    role = models.CharField(_("role"), max_length=24, choices=Role.choices)
    subject = models.ForeignKey(
        "archives.Subject", on_delete=models.PROTECT, related_name="+", verbose_name=_("person")
    )
    # Where the unit's serious dishonesty is written: the person's open archive that the
    # keeping department keeps, in an occupation holding the category 所在单位严重失信行为
    # (000 §二（二）).
    archive = models.ForeignKey(
        "archives.Archive", on_delete=models.PROTECT, related_name="+", verbose_name=_("archive")
    )
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    added_at = models.DateTimeField(_("since"))
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    ended_at = models.DateTimeField(_("until"), null=True, blank=True)

    class Meta:
        verbose_name = _("unit's responsible person")
        verbose_name_plural = _("units' responsible persons")
        ordering = ["unit_id", "ended_at", "role", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "role"],
                condition=models.Q(ended_at__isnull=True, role__in=["legal_representative", "principal"]),
                name="unit_person_one_current_single_role",
            ),
            models.UniqueConstraint(
                fields=["unit", "role", "subject"],
                condition=models.Q(ended_at__isnull=True),
                name="unit_person_role_once",
            ),
        ]
        indexes = [models.Index(fields=["subject", "unit"], name="unit_person_subject")]

    def __str__(self) -> str:
        return f"{self.unit_id} {self.role} {self.subject_id}"

    @property
    def is_current(self) -> bool:
        return self.ended_at is None

    @property
    def masked_name(self) -> str:
        """The person's name as lists show it: 张三 → 张*, 欧阳小明 → 欧**明 (the rule of
        the public lists, DESIGN §6)."""
        return mask_name(self.subject.name)

    @property
    def role_rank(self) -> int:
        return list(self.ORDER).index(self.role)


class UnitDishonesty(models.Model):
    """A unit's serious dishonesty. Its content and state are those of the credit
    records it wrote, one per named person (``records``): drafted and submitted together
    when a clerk proposes it, published together when another reviewer approves it,
    withdrawn together, each in one transaction."""

    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="dishonesty", verbose_name=_("unit"))
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("proposed by"),
    )
    proposed_at = models.DateTimeField(_("proposed"))

    class Meta:
        verbose_name = _("unit's serious dishonesty")
        verbose_name_plural = _("units' serious dishonesty")
        ordering = ["-proposed_at", "-id"]

    def __str__(self) -> str:
        return f"{self.unit_id}: {self.proposed_at:%Y-%m-%d}"


class UnitDishonestyRecord(models.Model):
    """The record a unit's dishonesty wrote into one named person's archive. ``record``
    is the first version; ``lineage`` finds the version in force (a correction makes a
    new version of the same lineage). ``person`` is the link the person held when it was
    proposed: it stays when they later leave the role."""

    item = models.ForeignKey(UnitDishonesty, on_delete=models.PROTECT, related_name="records")
    person = models.ForeignKey(UnitPerson, on_delete=models.PROTECT, related_name="+", verbose_name=_("person"))
    record = models.OneToOneField(
        "archives.CreditRecord",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("propagated record"),
    )
    lineage = models.UUIDField(unique=True, editable=False)

    class Meta:
        verbose_name = _("record of a unit's serious dishonesty")
        verbose_name_plural = _("records of units' serious dishonesty")
        ordering = ["item_id", "id"]
        constraints = [models.UniqueConstraint(fields=["item", "person"], name="unit_dishonesty_person_once")]

    def __str__(self) -> str:
        return f"{self.item_id}: {self.record_id}"
