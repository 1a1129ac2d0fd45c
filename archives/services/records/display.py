"""Display periods: how long published information is shown publicly and to third parties,
from the configurable rules (DESIGN §7)."""

from __future__ import annotations

from datetime import date, timedelta

from dateutil.relativedelta import relativedelta
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from archives.models import AnnualFinding, CreditRecord, DisplayRule


def add_months(day: date, months: int) -> date:
    """``day`` plus whole calendar months, clamped to the month's last day (31 Jan + 1 → 28/29 Feb)."""
    return day + relativedelta(months=months)


def repairable_from(decided_on: date, min_months: int) -> date:
    """The first day credit repair may be applied for: the day after the minimum display
    period, counted from the decision date, has run out (DESIGN §7: "may be applied for
    once the minimum period has passed"). The period's last day is the decision date's
    corresponding day ``min_months`` later (民法典 art. 201: "开始的当日不计入，自下一日开始
    计算"; art. 202: "到期月的对应日为期间的最后一日"), the day the record is still shown on,
    as ``display_until`` is; so repair opens the day after, not on it."""
    return add_months(decided_on, min_months) + timedelta(days=1)


def repair_opens_on(record: CreditRecord, *, min_months: dict[str, int] | None = None) -> date:
    """The first day credit repair of negative ``record`` may be applied for: the one rule
    the eligibility check (``repair.services.repair_eligibility``) and the repair notice
    sent on publication (信用修复告知书) both use, so they never name different days.

    DESIGN §7: repair "may be applied for once the minimum period has passed …; for minor
    information, as soon as the obligation is fulfilled": minor information has no minimum
    period and is repairable from its decision date, whatever the minor rule's minimum;
    general and serious information from the day after the tier's minimum display period
    (``repairable_from``). ``min_months``: minimum months by tier, read once by a caller
    checking many records; a tier without its row (never in the admin; a database edit)
    keeps the national minimum, never none."""
    if record.severity == CreditRecord.Severity.MINOR:
        return record.decided_on
    if min_months is None:
        min_months = dict(DisplayRule.objects.filter(tier=record.severity).values_list("tier", "min_months"))
    months = min_months.get(record.severity, DisplayRule.BOUNDS[record.severity][0])
    return repairable_from(record.decided_on, months)


# 《征信业管理条例》 art. 16: "征信机构对个人不良信息的保存期限，自不良行为或者事件终止之日起为5年；
# 超过5年的，应当予以删除". The record holds the date of the conduct and the date of the
# decision; the decision date is the later of the two, so the count never starts before
# the behaviour or event ended as far as the record knows.
RETENTION_YEARS = 5
RETENTION_MONTHS = RETENTION_YEARS * 12


def retention_ends(decided_on: date) -> date:
    """The last day negative information decided on ``decided_on`` is kept: 民法典 art. 201
    "按照年、月、日计算期间的，开始的当日不计入，自下一日开始计算"; art. 202 "按照年、月计算期间
    的，到期月的对应日为期间的最后一日；没有对应日的，月末日为期间的最后一日". That is the
    corresponding day 5 years on, or the month's last day where there is none (decided
    29 Feb 2024: kept through 28 Feb 2029)."""
    return add_months(decided_on, RETENTION_MONTHS)


def retention_cutoff(today: date) -> date:
    """Negative information decided before this day is past the 5-year limit: the nightly
    purge deletes it and no form, file or API call may enter it.

    The smallest decision day whose retention (``retention_ends``) still covers ``today``,
    so a record is kept through its last day and removed the day after, whatever the
    calendar. ``today - 5 years`` is not that day: relativedelta clamps 29 Feb to 28 Feb,
    and a record decided 28 Feb 2023, whose 5 years end on 28 Feb 2028, would still be
    kept on 29 Feb 2028. ``add_months`` is monotonic, so the guess is moved a day at a
    time (at most a few days) until it is the smallest such day.
    """
    cutoff = add_months(today, -RETENTION_MONTHS)
    while retention_ends(cutoff) < today:
        cutoff += timedelta(days=1)
    while retention_ends(cutoff - timedelta(days=1)) >= today:
        cutoff -= timedelta(days=1)
    return cutoff


# The positive tier's default maximum (archives migration 0002: "守信褒扬信息默认展示3年"),
# for a database whose row for it was deleted.
POSITIVE_DEFAULT_MONTHS = 36


def finding_decided_on(year: int, signed_on: date) -> date:
    """The decision day of a yearly finding (001 annex: "主管部门年度内对从业人员信用行为认定
    状况"), from which its display period and its retention count as a record's count from
    its decision: the day it was signed, but never later than the last day of the year it
    speaks for. A finding signed after its year (the usual case) or a later version signed
    to correct it does not move the count past the year's end, which is also the latest day
    the conduct it finds can have ended (《征信业管理条例》 art. 16: "自不良行为或者事件终止
    之日起")."""
    return min(signed_on, date(year, 12, 31))


def finding_display_until(status: str, decided_on: date, *, max_months: dict[str, int] | None = None) -> date:
    """When third parties stop seeing a yearly finding in reports: its decision day plus
    the maximum display period of the tier its status follows (``AnnualFinding.TIERS``),
    as a record's ``display_until``. A 2019 serious finding is not in a 2026 report.
    ``max_months``: the rules' maxima by tier, read once by a caller sealing many; a tier
    without its row keeps the national maximum."""
    tier = AnnualFinding.TIERS[status]
    if max_months is None:
        max_months = dict(DisplayRule.objects.filter(tier=tier).values_list("tier", "max_months"))
    months = max_months.get(tier, DisplayRule.BOUNDS.get(tier, (0, POSITIVE_DEFAULT_MONTHS))[1])
    return add_months(decided_on, months)


def display_rule_for(tier: str) -> DisplayRule:
    try:
        return DisplayRule.objects.get(tier=tier)
    except DisplayRule.DoesNotExist:
        raise ValidationError(_("No display rule is configured for this kind of information.")) from None


def display_until_for(record: CreditRecord) -> date | None:
    """When public and third-party display ends: the decision date plus the tier's
    maximum period (DESIGN §7; 国办发〔2025〕22号 three tiers). Neutral information
    has no display period."""
    if record.polarity == CreditRecord.Polarity.NEUTRAL:
        return None
    rule = display_rule_for(record.tier)
    return add_months(record.decided_on, rule.max_months)
