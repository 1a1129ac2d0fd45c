"""The credit level as a pure function of an archive's facts and the rules on a day.

No database access here: ``services.recompute_level`` reads the facts (current
published records and current signed findings) and the rules in force, and stores
what this returns. Keeping it pure lets the boundary tests (a record expiring today,
a leap day, a correction) call it with any day.

Counting periods: the day of a disqualifying event does not count and a period in
years ends on the corresponding day, or the month's last day when there is none
(《中华人民共和国民法典》 arts. 201, 203). So N clean years hold on ``day`` when the last
event fell strictly before ``day − N years`` (29 Feb 2024 + 3 years: clean from
1 Mar 2027).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import TYPE_CHECKING

from dateutil.relativedelta import relativedelta
from django.utils import timezone

from archives.levels.models import LEVEL_RANK, SEVERITY_RANK, Condition, Level

if TYPE_CHECKING:
    from archives.levels.models import LevelRule
    from archives.models import AnnualFinding, Archive, CreditRecord

ADVERSE_FINDINGS = frozenset({"warning", "serious"})


@dataclass(frozen=True)
class Assessment:
    level: str
    reasons: list[dict[str, object]]
    # The first day the level could change by time alone (None: only a new fact changes it).
    review_on: date | None = None


@dataclass
class _Collector:
    review: list[date] = field(default_factory=list)

    def later(self, day: date) -> None:
        self.review.append(day)


def is_effective(record: CreditRecord, day: date) -> bool:
    """Published, current, decided by ``day`` and still within its display period
    (DESIGN §7: at the maximum period display and use stop by themselves): a record
    whose period ends today still counts today, and no longer tomorrow, whether or not
    the daily expiry has run yet. Repaired, withdrawn and superseded versions never count."""
    return (
        record.state == "published" and record.is_current and record.decided_on <= day
        and (record.display_until is None or record.display_until >= day)
    )


def oldest_fact_on(reasons: Iterable[dict[str, object]]) -> date | None:
    """The earliest decision day among the negative records and adverse findings
    ``reasons`` name (a finding's without one: its year's first day, the earliest it can
    be), or None: the negative information a level change rests on (a level rule
    counts only negative records; a finding rule may count 守信, which is not)."""
    days = []
    for reason in reasons:
        kind = reason.get("kind")
        if kind == "finding" and reason.get("status") not in ADVERSE_FINDINGS:
            continue
        if kind in ("record", "finding") and reason.get("decided_on"):
            days.append(date.fromisoformat(str(reason["decided_on"])))
        elif kind == "finding" and reason.get("year"):
            days.append(date(int(str(reason["year"])), 1, 1))
    return min(days, default=None)


def finding_is_effective(finding: AnnualFinding, day: date) -> bool:
    """A current signed finding still within its display period on ``day``
    (``AnnualFinding.display_until``, set at signing): what a report shows of it, so
    the level, the clean years of the green channel and the points, which are shown to
    others, rest on nothing a report no longer shows (DESIGN §7: at the maximum period
    display and use stop by themselves)."""
    return finding.year <= day.year and finding.display_until is not None and finding.display_until >= day


def history_start(archive: Archive) -> date:
    """Where the archive's history begins: the start of practice, or the day the archive
    was opened when that is earlier or the start is not known."""
    opened = timezone.localdate(archive.created_at)  # the portal's day, not UTC's
    return min(archive.practice_start, opened) if archive.practice_start else opened


def _spec(rule: LevelRule | None) -> dict[str, object] | None:
    """The rule as data, described in words when shown (``reasons.reason_text``)."""
    if rule is None:
        return None
    return {"condition": rule.condition, "severity": rule.severity, "finding_status": rule.finding_status,
            "years": rule.years}


def _record_reason(record: CreditRecord, rule: LevelRule | None) -> dict[str, object]:
    return {
        "kind": "record", "record": record.pk, "lineage": str(record.lineage),
        "decided_on": record.decided_on.isoformat(), "severity": record.severity, "category": record.category_id,
        "rule": rule.pk if rule else None, "rule_level": rule.level if rule else "", "basis": rule.source if rule else "",
        "rule_spec": _spec(rule),
    }


def _finding_reason(finding: AnnualFinding, rule: LevelRule | None) -> dict[str, object]:
    return {
        "kind": "finding", "finding": finding.pk, "year": finding.year, "status": finding.status,
        "decided_on": finding.decided_on.isoformat() if finding.decided_on else None,
        "rule": rule.pk if rule else None, "rule_level": rule.level if rule else "", "basis": rule.source if rule else "",
        "rule_spec": _spec(rule),
    }


def last_disqualifying_event(
    records: Iterable[CreditRecord], findings: Iterable[AnnualFinding], day: date, *, lowest_severity: str = "minor",
) -> tuple[date, dict[str, object]] | None:
    """The latest day a negative record (of at least ``lowest_severity``) was decided or
    an adverse yearly finding's year ended, among the facts effective on ``day``, with
    its description; None when there is none."""
    floor = SEVERITY_RANK[lowest_severity]
    events: list[tuple[date, dict[str, object]]] = []
    for record in records:
        if record.polarity == "negative" and SEVERITY_RANK.get(record.severity, 0) >= floor and is_effective(record, day):
            events.append((record.decided_on, _record_reason(record, None)))
    for finding in findings:
        if finding.status in ADVERSE_FINDINGS and finding_is_effective(finding, day):
            events.append((date(finding.year, 12, 31), _finding_reason(finding, None)))
    if not events:
        return None
    return max(events, key=lambda item: item[0])


def clean_since(start: date, last_event: date | None) -> date:
    """The first day of the current clean stretch: the history's start or the day after
    the last disqualifying event."""
    return max(start, last_event + timedelta(days=1)) if last_event else start


def has_clean_years(since: date, years: int, day: date) -> bool:
    return since <= day - relativedelta(years=years)


def clean_years_reached_on(since: date, years: int) -> date:
    """The first day on which ``years`` clean years hold (see the module docstring)."""
    candidate = since + relativedelta(years=years)
    # relativedelta clamps 29 Feb to 28 Feb; the day must be at least N whole years on.
    while not has_clean_years(since, years, candidate):
        candidate += timedelta(days=1)
    return candidate


def compute_level(
    archive: Archive, records: Sequence[CreditRecord], findings: Sequence[AnnualFinding],
    rules: Sequence[LevelRule], day: date,
) -> Assessment:
    """The archive's level on ``day``: the highest level any active rule gives, with
    one reason line per fact and rule that gave it; 一般 when no rule holds.

    ``records``: the archive's current versions (any state: only effective ones count);
    ``findings``: its current signed findings. Callers: ``services.recompute_level``."""
    when = _Collector()
    matched: list[tuple[str, dict[str, object]]] = []
    for rule in rules:
        if not rule.is_active:
            continue
        if rule.condition == Condition.NEGATIVE_RECORD:
            floor = SEVERITY_RANK[rule.severity]
            for record in records:
                if record.polarity != "negative" or SEVERITY_RANK.get(record.severity, 0) < floor:
                    continue
                if not is_effective(record, day):
                    if record.state == "published" and record.is_current and record.decided_on > day:
                        when.later(record.decided_on)
                    continue
                if rule.years:
                    # The rule's years counted from the decision date, its last day
                    # included (民法典 arts. 201-202), as display_until is below.
                    last_day = record.decided_on + relativedelta(years=rule.years)
                    if last_day < day:
                        continue
                    when.later(last_day + timedelta(days=1))
                if record.display_until is not None:
                    when.later(record.display_until + timedelta(days=1))
                matched.append((rule.level, _record_reason(record, rule)))
        elif rule.condition == Condition.FINDING:
            for finding in findings:
                if finding.status != rule.finding_status or not finding_is_effective(finding, day):
                    continue
                when.later(finding.display_until + timedelta(days=1))  # the day it stops counting
                if rule.years:
                    # "In the last N years": the current year and the N − 1 before it.
                    if finding.year <= day.year - rule.years:
                        continue
                    when.later(date(finding.year + rule.years, 1, 1))
                matched.append((rule.level, _finding_reason(finding, rule)))
        elif rule.condition == Condition.CLEAN_YEARS:
            last = last_disqualifying_event(records, findings, day, lowest_severity=rule.severity)
            since = clean_since(history_start(archive), last[0] if last else None)
            if has_clean_years(since, rule.years, day):
                matched.append((rule.level, {
                    "kind": "clean", "since": since.isoformat(), "years": rule.years, "rule": rule.pk,
                    "rule_level": rule.level, "basis": rule.source, "rule_spec": _spec(rule),
                }))
            else:
                when.later(clean_years_reached_on(since, rule.years))
    review = min((d for d in when.review if d > day), default=None)
    if not matched:
        return Assessment(Level.NORMAL, [{"kind": "none"}], review)
    top = max(matched, key=lambda item: LEVEL_RANK[item[0]])[0]
    return Assessment(top, [reason for level, reason in matched if level == top], review)
