"""Integrity points pilot (诚信积分; 002 §二(四)3: "探索制定基于个人公共信用信息的分类管理和
诚信积分管理机制"): the switch, the scoring rules and the points of one archive explained
line by line.

Off by default. Points are shown to the person (citizen portal) while the pilot is on,
and to a third party only in a report whose authorization the person gave with the
points included (``disclosure.Authorization.include_points``); never on lists.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from archives.levels import permissions
from archives.levels.compute import finding_is_effective, is_effective
from archives.levels.models import PointRule, PointsPilot, Severity
from archives.levels.services import facts_of, lock_rule_in_force, retire_rule
from archives.models import Archive
from credit_portal import audit, generations

if TYPE_CHECKING:
    from credit_portal.models import User

# Findings of the current year and the two before it count (the three-year window of
# 001 §四's clean years).
FINDING_YEARS = 3


@dataclass(frozen=True)
class PointLine:
    text: str
    points: int
    basis: str


@dataclass(frozen=True)
class Points:
    total: int
    lines: list[PointLine]


def pilot() -> PointsPilot:
    return PointsPilot.objects.get_or_create(pk=1)[0]


def is_pilot_on() -> bool:
    return PointsPilot.objects.filter(pk=1, is_enabled=True).exists()


def set_points_pilot(*, enabled: bool, by: User) -> PointsPilot:
    """Switch the pilot on or off (credit office only; audited ``levels.points_pilot.switched``)."""
    if not permissions.can_manage_point_rules(by):
        raise PermissionDenied(_("Only the credit office switches the integrity points pilot."))
    with transaction.atomic():
        row = PointsPilot.objects.select_for_update().get_or_create(pk=1)[0]
        row.is_enabled, row.changed_at, row.changed_by = enabled, timezone.now(), by
        row.save(update_fields=["is_enabled", "changed_at", "changed_by"])
        audit.record("levels.points_pilot.switched", actor=by, target=row, detail={"enabled": enabled})
        generations.advance_on_commit("points")
    return row


def _adds(rule: PointRule) -> bool:
    return rule.kind == PointRule.Kind.POSITIVE_RECORD or (
        rule.kind == PointRule.Kind.FINDING and rule.finding_status == PointRule.Status.TRUSTWORTHY
    )


def add_point_rule(*, by: User, kind: str, points: int, source: str, severity: str = "",
                   finding_status: str = "") -> PointRule:
    """Add a scoring rule (credit office only; audited ``levels.point_rule.added``).
    Refused: no source, zero points, a sign against the fact (a penalty cannot add
    points), or a rule in force for the same fact (overlap)."""
    if not permissions.can_manage_point_rules(by):
        raise PermissionDenied(_("Only the credit office keeps the integrity points rules."))
    rule = PointRule(kind=kind, points=points or 0, source=(source or "").strip(), created_by=by,
                     severity=severity if kind == PointRule.Kind.NEGATIVE_RECORD else "",
                     finding_status=finding_status if kind == PointRule.Kind.FINDING else "")
    check_point_rule(rule)
    with transaction.atomic():
        _refuse_overlap(rule)
        rule.save(force_insert=True)
        audit.record("levels.point_rule.added", actor=by, target=rule,
                     detail={"kind": rule.kind, "severity": rule.severity, "finding_status": rule.finding_status,
                             "points": rule.points})
        generations.advance_on_commit("points")
    return rule


def _refuse_overlap(rule: PointRule, *, lock: bool = True, replacing: PointRule | None = None) -> None:
    rules = PointRule.objects.select_for_update() if lock else PointRule.objects.all()
    if replacing is not None:
        rules = rules.exclude(pk=replacing.pk)
    clash = rules.filter(
        is_active=True, kind=rule.kind, severity=rule.severity, finding_status=rule.finding_status
    ).first()
    if clash is not None:
        raise ValidationError({"kind": _(
            "A rule in force already scores the same fact (“%(other)s”). Retire it before adding this one."
        ) % {"other": str(clash)}})


def check_point_rule(rule: PointRule, *, replacing: PointRule | None = None) -> None:
    """Refuse a rule without source, with zero points, with a sign against its fact, or
    scoring a fact a rule in force already scores (overlap). One ValidationError by field."""
    kind = rule.kind
    errors: dict[str, str] = {}
    if kind not in PointRule.Kind.values:
        errors["kind"] = _("Choose the fact the rule scores.")
    elif kind == PointRule.Kind.NEGATIVE_RECORD and rule.severity not in Severity.values:
        errors["severity"] = _("Choose the severity of the negative record the rule scores.")
    elif kind == PointRule.Kind.FINDING and rule.finding_status not in PointRule.Status.values:
        errors["finding_status"] = _("Choose the status of the yearly finding the rule scores.")
    if not rule.source:
        errors["source"] = _("Enter the source of the rule: the policy document or the pilot decision.")
    if not rule.points:
        errors["points"] = _("Enter the points the fact adds or takes away; zero does nothing.")
    elif "kind" not in errors and _adds(rule) != (rule.points > 0):
        errors["points"] = (_("Positive information and a trustworthy finding add points: enter a positive number.")
                            if _adds(rule) else
                            _("Negative information and adverse findings take points away: enter a negative number."))
    if errors:
        raise ValidationError(errors)
    _refuse_overlap(rule, lock=False, replacing=replacing)


def change_point_rule(rule: PointRule, *, by: User, points: int, source: str) -> PointRule:
    """Change the points or the source of a rule in force (credit office only; audited
    ``levels.point_rule.changed``). The rule is not edited in place: it is retired and
    a new rule for the same fact put in force in one transaction, so the points an
    archive had under the old rule stay explainable. Refused as ``add_point_rule``
    refuses (no source, zero points, a sign against the fact), and when the rule is no
    longer in force."""
    if not permissions.can_manage_point_rules(by):
        raise PermissionDenied(_("Only the credit office keeps the integrity points rules."))
    with transaction.atomic():
        locked = lock_rule_in_force(rule)
        new = PointRule(kind=locked.kind, severity=locked.severity, finding_status=locked.finding_status,
                        points=points or 0, source=(source or "").strip(), created_by=by)
        check_point_rule(new, replacing=locked)
        if (new.points, new.source) == (locked.points, locked.source):
            raise ValidationError(_("Nothing was changed: change the points or the source."))
        locked.is_active = False
        locked.save(update_fields=["is_active"])
        _refuse_overlap(new, replacing=locked)
        new.save(force_insert=True)
        audit.record("levels.point_rule.changed", actor=by, target=new,
                     detail={"replaces": locked.pk, "points": [locked.points, new.points],
                             "source_changed": locked.source != new.source})
        generations.advance_on_commit("points")
    return new


def retire_point_rule(rule: PointRule, *, by: User) -> PointRule:
    """Take a scoring rule out of force (credit office only; audited ``levels.point_rule.retired``)."""
    if not permissions.can_manage_point_rules(by):
        raise PermissionDenied(_("Only the credit office keeps the integrity points rules."))
    with transaction.atomic():
        generations.advance_on_commit("points")
        return retire_rule(rule, action="levels.point_rule.retired", by=by)


def compute_points(archive: Archive, *, on: date | None = None, switch: PointsPilot | None = None) -> Points:
    """The archive's points on ``on``: the base, then one line per effective record and
    per signed finding of the last three years that a rule in force scores. ``switch``:
    the pilot's row when the caller has read it already."""
    day = on or timezone.localdate()
    base = (switch or pilot()).base_points
    rules = list(PointRule.objects.filter(is_active=True))
    by_fact = {(r.kind, r.severity, r.finding_status): r for r in rules}
    records, findings = facts_of(archive)
    lines = [PointLine(_("Base points of the pilot"), base, "")]
    for record in sorted(records, key=lambda r: (r.decided_on, r.pk)):
        if not is_effective(record, day):
            continue
        if record.polarity == "positive":
            rule = by_fact.get((PointRule.Kind.POSITIVE_RECORD, "", ""))
            fact = _("Positive record “%(title)s” (%(date)s)")
        elif record.polarity == "negative":
            rule = by_fact.get((PointRule.Kind.NEGATIVE_RECORD, record.severity, ""))
            fact = _("Negative record “%(title)s” (%(date)s)")
        else:
            continue
        if rule is not None:
            lines.append(PointLine(fact % {"title": record.title, "date": record.decided_on.isoformat()},
                                   rule.points, rule.source))
    for finding in sorted(findings, key=lambda f: f.year):
        if finding.year <= day.year - FINDING_YEARS or not finding_is_effective(finding, day):
            continue
        rule = by_fact.get((PointRule.Kind.FINDING, "", finding.status))
        if rule is not None:
            lines.append(PointLine(_("Yearly finding of %(year)s: %(status)s") % {
                "year": finding.year, "status": finding.get_status_display()}, rule.points, rule.source))
    return Points(total=sum(line.points for line in lines), lines=lines)


def points_for_person(archive: Archive) -> Points | None:
    """The points shown to the person, or None while the pilot is off."""
    # One read of the switch serves both questions (on? which base?).
    switch = PointsPilot.objects.filter(pk=1, is_enabled=True).first()
    return compute_points(archive, switch=switch) if switch is not None else None
