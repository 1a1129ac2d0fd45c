"""Writes of the credit levels: the rules the credit office keeps, and the level of
each archive recomputed whenever its facts change or time moves it on.

Sources: DESIGN §7 ("Credit level per subject: serious > warning > normal > good,
derived from effective records and findings, with the reasons shown"); 001 §四
(信用评价机制，分级分类监管); the yearly findings 守信 / 警示行为 / 严重失信行为 of 001's
annex; 004 item 25 (serious dishonesty).
"""

from __future__ import annotations

from datetime import date
from functools import partial
from typing import TYPE_CHECKING, Any, TypeVar

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from archives.levels import permissions
from archives.levels.compute import Assessment, compute_level, oldest_fact_on
from archives.levels.models import (
    LEVEL_RANK,
    SEVERITY_RANK,
    ArchiveLevel,
    ArchiveLevelChange,
    Condition,
    FindingStatus,
    Level,
    LevelRule,
    PointRule,
    Severity,
)
from archives.models import AnnualFinding, Archive, CreditRecord
from credit_portal import audit
from exchange.outbox import emit, redact

if TYPE_CHECKING:
    from credit_portal.models import User

RuleT = TypeVar("RuleT", LevelRule, PointRule)

# A finding status ranks like the record severity it sits beside (001 annex; DESIGN §7).
FINDING_RANK = {FindingStatus.WARNING: SEVERITY_RANK[Severity.GENERAL], FindingStatus.SERIOUS: SEVERITY_RANK[Severity.SERIOUS]}


# --- the level of one archive -------------------------------------------------------------


def active_rules() -> list[LevelRule]:
    return list(LevelRule.objects.filter(is_active=True).order_by("id"))


def facts_of(archive: Archive) -> tuple[list[CreditRecord], list[AnnualFinding]]:
    """The current version of every record of the archive (only effective ones count, the
    compute decides) and its current signed findings: two queries.

    Records of conduct before the person was 18 are left out: they are never shown to
    others (003 item 10; ``disclosure.selectors`` and the public lists leave them out),
    and the level and the points are shown to others (in reports, and to the platform
    through ``level.changed``)."""
    records = list(
        CreditRecord.objects.filter(archive=archive, is_current=True, state=CreditRecord.State.PUBLISHED,
                                    subject_was_minor=False)
        .only("id", "archive_id", "lineage", "title", "polarity", "severity", "state", "is_current", "decided_on",
              "display_until", "category_id")
    )
    findings = list(
        AnnualFinding.objects.filter(archive=archive, is_current=True, state=AnnualFinding.State.SIGNED)
        .only("id", "archive_id", "year", "status", "decided_on", "display_until")
    )
    return records, findings


def assess(archive: Archive, *, on: date | None = None, rules: list[LevelRule] | None = None) -> Assessment:
    """The level the archive has on ``on`` (today by default), without writing."""
    records, findings = facts_of(archive)
    return compute_level(archive, records, findings, active_rules() if rules is None else rules,
                         on or timezone.localdate())


def _payload(archive: Archive, level: ArchiveLevel, previous: str) -> dict[str, Any]:
    subject = archive.subject
    return {
        "subject_id": str(subject.pk),
        "subject_index": subject.id_number_index,
        "occupation": archive.occupation.code,
        "department": archive.department.code,
        "archive_id": archive.pk,
        "previous_level": previous or None,
        "level": level.level,
        "effective_on": level.computed_on.isoformat(),
        "reasons": [_reason_payload(r) for r in level.reasons],
    }


def _reason_payload(reason: dict[str, Any]) -> dict[str, Any]:
    """What the platform needs of a reason: which fact, which rule and its basis (the
    record's title stays here: the platform has the record by its own event)."""
    return {
        "kind": reason.get("kind"),
        "record_id": reason.get("record"),
        "finding_id": reason.get("finding"),
        "rule_id": reason.get("rule"),
        "basis": reason.get("basis") or None,
    }


def recompute_level(archive: Archive | int, *, on: date | None = None, rules: list[LevelRule] | None = None) -> ArchiveLevel:
    """Recompute and store an archive's level on ``on`` (today by default).

    Callers: the hook after a record or finding changed, the daily refresh, the rule
    services and the demo; never a person (nothing to check but the facts). A change of
    level adds an ``ArchiveLevelChange``, an audit entry ``levels.level.changed`` and an
    outbox event ``level.changed``, in one transaction. A first assessment that finds
    the default level (一般) writes the row and no event: the platform takes an archive
    it has no level for as 一般. Safe to run twice: an unchanged result writes nothing
    but the dates."""
    day = on or timezone.localdate()
    archive_id = archive if isinstance(archive, int) else archive.pk
    with transaction.atomic():
        locked = (
            Archive.objects.select_for_update(of=("self",))
            .select_related("subject", "occupation", "department").get(pk=archive_id)
        )
        current = ArchiveLevel.objects.select_for_update().filter(archive=locked).first()
        left_reasons = list(current.reasons) if current is not None else []
        result = assess(locked, on=day, rules=rules)
        if current is None:
            current = ArchiveLevel(archive=locked, level=result.level, rank=LEVEL_RANK[result.level],
                                   reasons=result.reasons, computed_on=day, review_on=result.review_on)
            current.save(force_insert=True)
            previous = ""
            changed = result.level != Level.NORMAL
        else:
            previous = current.level
            changed = previous != result.level
            current.level, current.rank, current.reasons = result.level, LEVEL_RANK[result.level], result.reasons
            current.computed_on, current.review_on = day, result.review_on
            current.save(update_fields=["level", "rank", "reasons", "computed_on", "review_on", "updated_at"])
        event = None
        if changed:
            audit.record("levels.level.changed", actor=None, target=locked, subject_ref=str(locked.subject_id),
                         detail={"previous": previous or None, "level": result.level, "on": day.isoformat()})
            event = emit("level.changed", aggregate=locked, payload=_payload(locked, current, previous))
        if changed or previous == "":
            # A change leaving an adverse level speaks of the facts that level rested on.
            facts = [*result.reasons, *(left_reasons if previous in ADVERSE_LEVELS else [])]
            ArchiveLevelChange.objects.create(archive=locked, previous=previous, level=result.level,
                                              reasons=result.reasons, effective_on=day,
                                              oldest_fact_on=oldest_fact_on(facts),
                                              event_id=event.pk if event is not None else None)
    return current


# The levels that are negative information about the person (DESIGN §7).
ADVERSE_LEVELS = (Level.WARNING, Level.SERIOUS)


def purge_expired_history(*, cutoff: date) -> int:
    """Delete the level history older than the 5-year retention that states a warning or
    serious level (as the level reached or the one left): it is negative information
    derived from records and findings the nightly purge deletes at the same limit
    (《征信业管理条例》 art. 16: "自不良行为或者事件终止之日起为5年；超过5年的，应当予以删除"),
    and a change is the latest day its level can have ended. Called through
    ``archives.hooks.retention_purged`` after the purge, every night. Returns how many
    changes went."""
    adverse = Q(level__in=ADVERSE_LEVELS) | Q(previous__in=ADVERSE_LEVELS)
    # Two reads, each through its partial index: the adverse changes past their own 5
    # years, and the changes resting on a fact past its 5 years (a record decided in
    # 2020 but entered in 2023 put the level to serious in 2023).
    old = ArchiveLevelChange.objects.filter(adverse, effective_on__lt=cutoff)
    resting = ArchiveLevelChange.objects.filter(oldest_fact_on__lt=cutoff)
    total = 0
    for doomed in (old, resting):
        while rows := list(doomed.values_list("pk", "event_id")[:2000]):
            with transaction.atomic():
                # The level.changed events they were sent as, blanked to their ids, and the
                # platform told which (level.history_purged), so it blanks its copies.
                events = [str(event) for _pk, event in rows if event]
                blanked = redact(event_ids=events) if events else []
                for start in range(0, len(blanked), 500):
                    chunk = blanked[start:start + 500]
                    emit("level.history_purged", aggregate=("levels.history", chunk[0]), payload={
                        "events": chunk, "rule": "art16-5y", "purged_on": timezone.localdate().isoformat()})
                total += ArchiveLevelChange.objects.filter(pk__in=[pk for pk, _event in rows]).delete()[0]
    if total:
        audit.record("levels.level_history.purged", actor=None,
                     detail={"changes": total, "cutoff": cutoff.isoformat(), "rule": "art16-5y"})
    return total


def archive_changed(archive_id: int) -> None:
    """The hook ``archives.hooks`` calls inside a record's or finding's
    transaction: mark the level due today (so the daily refresh catches it even if the
    queued recompute is lost) and recompute once the change has committed."""
    ArchiveLevel.objects.filter(archive_id=archive_id).update(review_on=timezone.localdate())
    from archives.levels.tasks import recompute_archive_level

    transaction.on_commit(partial(recompute_archive_level.delay, archive_id), robust=True)


def refresh_due_levels(*, today: date | None = None, batch_size: int = 500) -> int:
    """Recompute the levels due on ``today``: archives whose level could change by time
    alone (a record leaving its window or expiring, clean years completing), archives
    marked by a change, and archives never assessed. Daily (beat) and after a rule
    change. Returns how many were recomputed; safe to run twice."""
    today = today or timezone.localdate()
    rules = active_rules()
    done = 0
    while True:
        due = list(ArchiveLevel.objects.filter(review_on__lte=today).order_by("review_on")
                   .values_list("archive_id", flat=True)[:batch_size])
        fresh = list(Archive.objects.filter(credit_level__isnull=True).values_list("id", flat=True)[:batch_size])
        if not due and not fresh:
            return done
        for archive_id in [*due, *fresh]:
            recompute_level(archive_id, on=today, rules=rules)
            done += 1


# --- the rules ----------------------------------------------------------------------------


def _fact_rank(rule: LevelRule) -> int:
    if rule.condition == Condition.NEGATIVE_RECORD:
        return SEVERITY_RANK[rule.severity]
    return FINDING_RANK[rule.finding_status]


def check_rule(rule: LevelRule, *, others: list[LevelRule]) -> None:
    """Refuse a rule that lacks its basis, does not fit its condition, repeats a rule in
    force or contradicts one: a worse fact must never give a better level than a lesser
    fact of the same kind. Raises one ValidationError naming the fields."""
    errors: dict[str, list[str]] = {}

    def add(name: str, message: str) -> None:
        errors.setdefault(name, []).append(message)

    if not (rule.source or "").strip():
        add("source", _("Enter the legal basis of the rule: the law or policy document and its article."))
    if rule.level not in Level.values:
        add("level", _("Choose the credit level the rule gives."))
    if rule.condition == Condition.CLEAN_YEARS:
        if rule.level and rule.level != Level.GOOD:
            add("level", _("Years without negative information can only make the level trustworthy."))
        if not rule.severity:
            add("severity", _("Choose the lowest severity of negative information that breaks the clean years."))
        if rule.years < 1:
            add("years", _("Enter how many clean years the rule needs, at least 1."))
        rule.finding_status = ""
    elif rule.condition in (Condition.NEGATIVE_RECORD, Condition.FINDING):
        if rule.level in (Level.GOOD, Level.NORMAL):
            add("level", _("Negative information or an adverse finding can only give the warning or the serious level."))
        if rule.condition == Condition.NEGATIVE_RECORD:
            rule.finding_status = ""
            if not rule.severity:
                add("severity", _("Choose the lowest severity of negative information the rule counts."))
        else:
            rule.severity = ""
            if not rule.finding_status:
                add("finding_status", _("Choose the status of the yearly finding the rule counts."))
    else:
        add("condition", _("Choose the condition of the rule."))
    if errors:
        raise ValidationError(errors)
    for other in others:
        if other.pk == rule.pk or not other.is_active or other.condition != rule.condition:
            continue
        if (other.severity, other.finding_status) == (rule.severity, rule.finding_status):
            raise ValidationError({"condition": _(
                "A rule in force already covers the same condition (“%(other)s”). Retire it before adding this one."
            ) % {"other": str(other)}})
        if rule.condition == Condition.CLEAN_YEARS:
            raise ValidationError({"condition": _(
                "There is already a rule in force for clean years (“%(other)s”). Retire it before adding this one."
            ) % {"other": str(other)}})
        mine, theirs = _fact_rank(rule), _fact_rank(other)
        if (mine - theirs) * (LEVEL_RANK[rule.level] - LEVEL_RANK[other.level]) < 0:
            raise ValidationError({"level": _(
                "This rule contradicts “%(other)s”: more serious information would give a lower level than "
                "less serious information."
            ) % {"other": str(other)}})


def _require_credit_office(by: User) -> None:
    if not permissions.can_manage_level_rules(by):
        raise PermissionDenied(_("Only the credit office keeps the credit level rules."))


def lock_rule_in_force(rule: RuleT) -> RuleT:
    """``rule`` (a level rule or a scoring rule) re-read and locked, inside the caller's
    transaction; refused when it is already out of force (two retirements at once)."""
    locked = type(rule).objects.select_for_update().get(pk=rule.pk)
    if not locked.is_active:
        raise ValidationError(_("This rule is already out of force."))
    return locked


def retire_rule(rule: RuleT, *, action: str, by: User) -> RuleT:
    """Take ``rule`` out of force and audit ``action``; kept for the history of reasons.
    The caller has checked who may, and holds the transaction."""
    locked = lock_rule_in_force(rule)
    locked.is_active = False
    locked.save(update_fields=["is_active"])
    audit.record(action, actor=by, target=locked)
    return locked


def _rules_changed() -> None:
    """Every level is due again: marked now, recomputed after the commit."""
    ArchiveLevel.objects.update(review_on=timezone.localdate())
    from archives.levels.tasks import refresh_levels

    transaction.on_commit(refresh_levels.delay, robust=True)


def add_level_rule(*, by: User, level: str, condition: str, source: str, severity: str = "",
                   finding_status: str = "", years: int = 0) -> LevelRule:
    """Add a rule in force (credit office only), checked against the rules in force
    (``check_rule``). Audited ``levels.rule.added``; every level is recomputed."""
    _require_credit_office(by)
    rule = LevelRule(level=level, condition=condition, severity=severity or "", finding_status=finding_status or "",
                     years=years or 0, source=(source or "").strip(), created_by=by)
    with transaction.atomic():
        others = list(LevelRule.objects.select_for_update().filter(is_active=True))
        check_rule(rule, others=others)
        rule.save(force_insert=True)
        audit.record("levels.rule.added", actor=by, target=rule,
                     detail={"level": rule.level, "condition": rule.condition, "severity": rule.severity,
                             "finding_status": rule.finding_status, "years": rule.years})
        _rules_changed()
    return rule


def retire_level_rule(rule: LevelRule, *, by: User) -> LevelRule:
    """Take a rule out of force (credit office only); kept for the history of reasons.
    Audited ``levels.rule.retired``; every level is recomputed."""
    _require_credit_office(by)
    with transaction.atomic():
        locked = retire_rule(rule, action="levels.rule.retired", by=by)
        _rules_changed()
    return locked
