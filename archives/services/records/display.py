"""Display periods: how long published information is shown publicly and to third parties,
from the configurable rules (DESIGN §7)."""

from __future__ import annotations

from datetime import date

from dateutil.relativedelta import relativedelta
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from archives.models import CreditRecord, DisplayRule


def add_months(day: date, months: int) -> date:
    """``day`` plus whole calendar months, clamped to the month's last day (31 Jan + 1 → 28/29 Feb)."""
    return day + relativedelta(months=months)


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
