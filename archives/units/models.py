"""Units and their legal representatives (003 §三（一）2, §三（三）6).

003 §三（一）2 (济源市): "以……企事业单位法定代表人及相关责任人为主要对象……对企事业单位严重
失信行为，在记入企事业单位信用记录的同时，记入其法定代表人、主要负责人和其他负有直接责任人员
的个人信用记录". 003 §三（三）6: "在对失信企事业单位进行联合惩戒的同时，依照法律、法规和政策
规定对相关责任人员采取相应的联合惩戒措施，将联合惩戒措施落实到人".

A ``Unit`` is identified by its unified social credit code (GB 32100-2015, checked with
python-stdnum), kept by a department, and linked to its legal representative: a
``Subject`` (an adult) and the representative's archive the department keeps, into
which the unit's serious dishonesty is written. A ``UnitDishonesty`` is one such
finding against the unit; its content and state are those of the credit record it
created in the representative's archive (``source = unit_dishonesty``), which follows
the ordinary record lifecycle: submitted by the clerk, published by another reviewer
(four eyes), withdrawn by an approved proposal.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from credit_portal.masking import mask_name


class Unit(models.Model):
    """An enterprise or public institution (企事业单位) and its legal representative."""

    credit_code = models.CharField(_("unified social credit code"), max_length=18, unique=True)
    name = models.CharField(_("unit name"), max_length=200)
    department = models.ForeignKey(
        "departments.Department",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("keeping department"),
    )
    representative = models.ForeignKey(
        "archives.Subject",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("legal representative"),
    )
    # Where the unit's serious dishonesty is written: the representative's open archive
    # that the keeping department keeps, in an occupation holding the category
    # 所在单位严重失信行为 (000 §二（二）).
    representative_archive = models.ForeignKey(
        "archives.Archive",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("legal representative's archive"),
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

    @property
    def representative_masked_name(self) -> str:
        """The representative's name as lists show it: 张三 → 张*, 欧阳小明 → 欧**明 (the
        rule of the public lists, DESIGN §6)."""
        return mask_name(self.representative.name)


class UnitDishonesty(models.Model):
    """A unit's serious dishonesty and the record it created in the representative's
    archive. ``record`` is the first version; ``lineage`` finds the version in force
    (a correction makes a new version of the same lineage)."""

    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="dishonesty", verbose_name=_("unit"))
    record = models.OneToOneField(
        "archives.CreditRecord",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("propagated record"),
    )
    lineage = models.UUIDField(unique=True, editable=False)
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
        return f"{self.unit.name}: {self.record_id}"
