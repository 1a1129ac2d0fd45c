"""The procedure's numbers, as data (DESIGN §7): ``ListingRule`` rows the credit office
edits in the admin, each with its source; with no row, these defaults apply.

- Objection window: **5 working days** after the notice. 《国务院办公厅关于进一步完善失信
  约束制度构建诚信建设长效机制的指导意见》 (国办发〔2020〕49号) requires that before a person
  is listed they are told the reasons, the basis and their rights to state their case
  and defend themselves (陈述、申辩), but sets no number of days: the window is a
  configurable value and 5 working days is this portal's default, for the credit office
  to confirm against local rules.
- Listing period: **36 months** from the decision. Serious negative information is shown
  at most 3 years (DESIGN §7; 国办发〔2025〕22号 three tiers; NDRC 《信用修复管理办法》);
  a listing resting on it does not outlast it. 国办发〔2020〕49号 asks that every list has
  its exit conditions and period; configurable.
- Feedback on a joint-punishment measure: **10 working days** from the case opening.
  003 item 6 asks for a 发起、响应、惩戒、反馈 mechanism and sets no period; configurable.
- Time limit to correct the conduct: **20 working days** from the case opening. 003 item
  10: "对在规定期限内纠正失信行为的，不再作为联合惩戒对象" leaves the limit to the rules;
  configurable.

Working days follow the official calendar (``credit_portal.workdays``): the day the
period starts is not counted (《民法典》第二百零一条).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from dateutil.relativedelta import relativedelta

from archives.listing.models import ListingRule
from credit_portal.workdays import add_working_days

Key = ListingRule.Key
Unit = ListingRule.Unit

FORTY_NINE = "《国务院办公厅关于进一步完善失信约束制度构建诚信建设长效机制的指导意见》（国办发〔2020〕49号）"

DEFAULTS: dict[str, tuple[int, str, str]] = {
    Key.OBJECTION_WINDOW: (
        5, Unit.WORKING_DAYS,
        f"{FORTY_NINE}：认定前告知理由、依据和陈述、申辩等权利（未定天数，本系统默认5个工作日，可配置）",
    ),
    Key.LISTING_PERIOD: (
        36, Unit.MONTHS,
        "严重失信信息公示期限最长3年（国办发〔2025〕22号；《信用修复管理办法》），名单不超过其依据的公示期限",
    ),
    Key.FEEDBACK: (
        10, Unit.WORKING_DAYS, "003 第6项：发起、响应、惩戒、反馈工作机制（未定天数，本系统默认10个工作日，可配置）",
    ),
    Key.CORRECTION: (
        20, Unit.WORKING_DAYS, "003 第10项：在规定期限内纠正失信行为的，不再作为联合惩戒对象（默认20个工作日，可配置）",
    ),
}


@dataclass(frozen=True)
class Rule:
    value: int
    unit: str
    source: str


def rule(key: str) -> Rule:
    row = ListingRule.objects.filter(key=key).values_list("value", "unit", "source").first()
    return Rule(*(row or DEFAULTS[key]))


def end_of(key: str, start: date) -> date:
    """The last day of period ``key`` counted from ``start`` (``start`` not counted)."""
    found = rule(key)
    if found.unit == Unit.MONTHS:
        return start + relativedelta(months=found.value)
    return add_working_days(start, found.value)
