"""Case deadlines on the official calendar (DESIGN §7).

Working days are Monday to Friday, minus the State Council's public holidays, plus the
make-up working days (调休上班): ``credit_portal.workdays`` reads them from
``credit_portal.CalendarDay``; the day a period starts is not counted (《民法典》 art. 201:
"开始的当日不计入，自下一日开始计算").

Each rule is data (``repair.DeadlineRule``): its length, its unit, the event it is
counted from and the text that sets it. The defaults:

- accept or refuse an objection: 2 working days from filing (DESIGN §7);
- answer an objection: **20 days from filing**. 《征信业管理条例》 art. 25: "信息主体认为
  征信机构采集、保存、提供的信息存在错误、遗漏的，有权向征信机构或者信息提供者提出异议，
  受理异议的机构应当在收到异议之日起20日内进行核查和处理，并将结果书面答复异议人。"
  The period runs from receipt (the filing), not from acceptance; 日, not 工作日 (Chinese
  statutes say 工作日 where they mean it), so calendar days, and a last day that is a
  holiday or rest day moves to the next working day (《民法典》 art. 203);
- accept or refuse a repair application: 2 working days from filing (as for objections);
- decide an accepted repair application: 10 working days from acceptance (DESIGN §7,
  NDRC 《信用修复管理办法》 2026).

A deadline whose year has no official holidays entered yet is provisional (暂定):
``is_provisional`` says so and every page shows it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from credit_portal.workdays import add_working_days, is_provisional, is_working_day, working_days_between
from repair.models import DeadlineRule

__all__ = [
    "Rule", "add_working_days", "deadline", "due_from", "is_provisional", "is_working_day", "rule",
    "working_days_between",
]

ART_25 = (
    "《征信业管理条例》第二十五条：受理异议的机构应当在收到异议之日起20日内进行核查和处理，"
    "并将结果书面答复异议人（日为自然日，期间最后一日为法定休假日的，以其后的第一个工作日为期间的最后一日，"
    "《民法典》第二百零三条）"
)

# key: (days, unit, counted from, source)
DEFAULTS: dict[str, tuple[int, str, str, str]] = {
    DeadlineRule.Key.OBJECTION_ACCEPT: (
        2, DeadlineRule.Unit.WORKING, DeadlineRule.Start.FILED, "DESIGN §7: accept or refuse within 2 working days",
    ),
    DeadlineRule.Key.OBJECTION_CONCLUDE: (20, DeadlineRule.Unit.CALENDAR, DeadlineRule.Start.FILED, ART_25),
    DeadlineRule.Key.REPAIR_ACCEPT: (
        2, DeadlineRule.Unit.WORKING, DeadlineRule.Start.FILED, "DESIGN §7 default, as for objections",
    ),
    DeadlineRule.Key.REPAIR_DECIDE: (
        10, DeadlineRule.Unit.WORKING, DeadlineRule.Start.ACCEPTED,
        "DESIGN §7; NDRC 《信用修复管理办法》 (2026): decide within 10 working days of acceptance",
    ),
}


@dataclass(frozen=True)
class Rule:
    days: int
    unit: str
    starts_from: str
    source: str


def rule(key: str) -> Rule:
    row = DeadlineRule.objects.filter(key=key).values_list("days", "unit", "starts_from", "source").first()
    if row is None:
        row = DEFAULTS[key]
    return Rule(*row)


def _last_day(found: Rule, start: date) -> date:
    if found.unit == DeadlineRule.Unit.WORKING:
        return add_working_days(start, found.days)
    return add_working_days(start + timedelta(days=found.days), 0)


def deadline(key: str, start: date) -> date:
    """The last day of the period ``key`` counted from ``start``."""
    return _last_day(rule(key), start)


def due_from(key: str, *, filed_on: date, accepted_on: date | None = None) -> date | None:
    """The last day of ``key`` for a case filed and (maybe) accepted on these days, from
    the event the rule names; None while that event has not happened."""
    found = rule(key)
    start = filed_on if found.starts_from == DeadlineRule.Start.FILED else accepted_on
    return None if start is None else _last_day(found, start)
