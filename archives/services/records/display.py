"""Display periods: how long published information is shown publicly and to third parties,
from the configurable rules (DESIGN §7)."""

from __future__ import annotations

from datetime import date, timedelta

from dateutil.relativedelta import relativedelta
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from archives.models import CreditRecord, DisplayRule


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


# 《征信业管理条例》 art. 16: "征信机构对个人不良信息的保存期限，自不良行为或者事件终止之日起为5年；
# 超过5年的，应当予以删除". The record holds the date of the conduct and the date of the
# decision; the decision date is the later of the two, so the count never starts before
# the behaviour or event ended as far as the record knows.
RETENTION_YEARS = 5


def retention_cutoff(today: date) -> date:
    """Negative information decided before this day is past the 5-year limit: the nightly
    purge deletes it and no form, file or API call may enter it."""
    return today - relativedelta(years=RETENTION_YEARS)


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
