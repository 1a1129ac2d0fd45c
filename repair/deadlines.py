"""Case deadlines on the official calendar (DESIGN §7).

Working days are Monday to Friday, minus the State Council's public holidays, plus the
make-up working days (调休上班): ``credit_portal.workdays`` reads them from
``credit_portal.CalendarDay``; the day a period starts is not counted (《民法典》 art. 201).

Which days count is configurable data (``repair.DeadlineRule``); the defaults:

- accept or refuse an objection: 2 working days from filing (DESIGN §7);
- conclude an accepted objection: **20 calendar days** from acceptance. 《征信业管理条例》
  art. 25 says "自收到异议之日起20日内进行核查和处理" – 日, not 工作日 – and Chinese
  statutes say 工作日 where they mean it, so the model law counts calendar days. A period
  whose last day is a holiday or rest day ends on the next working day (《民法典》
  art. 203), so the official calendar still decides the final day. A credit office
  that prefers 20 working days changes the rule's unit;
- accept or refuse a repair application: 2 working days (as for objections);
- decide an accepted repair application: 10 working days (DESIGN §7, NDRC
  《信用修复管理办法》 2026).
"""

from __future__ import annotations

from datetime import date, timedelta

from credit_portal.workdays import add_working_days, is_working_day, working_days_between
from repair.models import DeadlineRule

__all__ = ["add_working_days", "deadline", "is_working_day", "rule", "working_days_between"]

DEFAULTS: dict[str, tuple[int, str, str]] = {
    DeadlineRule.Key.OBJECTION_ACCEPT: (2, DeadlineRule.Unit.WORKING, "DESIGN §7: accept or refuse within 2 working days"),
    DeadlineRule.Key.OBJECTION_CONCLUDE: (
        20, DeadlineRule.Unit.CALENDAR,
        "《征信业管理条例》 art. 25: verify and answer within 20 days (日, calendar days; 《民法典》 art. 203 for the last day)",
    ),
    DeadlineRule.Key.REPAIR_ACCEPT: (2, DeadlineRule.Unit.WORKING, "DESIGN §7 default, as for objections"),
    DeadlineRule.Key.REPAIR_DECIDE: (
        10, DeadlineRule.Unit.WORKING, "DESIGN §7; NDRC 《信用修复管理办法》 (2026): decide within 10 working days",
    ),
}


def next_working_day_on_or_after(day: date) -> date:
    return add_working_days(day, 0)


def rule(key: str) -> tuple[int, str]:
    row = DeadlineRule.objects.filter(key=key).values_list("days", "unit").first()
    if row is None:
        days, unit, _source = DEFAULTS[key]
        return days, unit
    return row


def deadline(key: str, start: date) -> date:
    """The last day of the period ``key`` that starts on ``start``."""
    days, unit = rule(key)
    if unit == DeadlineRule.Unit.WORKING:
        return add_working_days(start, days)
    return next_working_day_on_or_after(start + timedelta(days=days))
