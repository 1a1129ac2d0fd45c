"""Reasons in words: the stored reason lines are data (ids, dates, the rule's basis);
the sentence around them is translated when shown, so a change of language or of a
translation never needs a recompute."""

from __future__ import annotations

from types import SimpleNamespace
from typing import TYPE_CHECKING

from django.utils.translation import gettext as _

if TYPE_CHECKING:
    from archives.levels.models import LevelRule


def _label(choices: type, value: str) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return value


def describe_rule(rule: LevelRule | SimpleNamespace) -> str:
    from archives.levels.models import Condition, FindingStatus, Severity

    if rule.condition == Condition.NEGATIVE_RECORD:
        severity = _label(Severity, rule.severity)
        if rule.years:
            return _("an effective negative record of severity %(severity)s or above decided in the last %(years)d "
                     "years") % {"severity": severity, "years": rule.years}
        return _("an effective negative record of severity %(severity)s or above") % {"severity": severity}
    if rule.condition == Condition.FINDING:
        status = _label(FindingStatus, rule.finding_status)
        if rule.years:
            return _("a yearly finding of %(status)s in the last %(years)d years") % {"status": status, "years": rule.years}
        return _("a yearly finding of %(status)s") % {"status": status}
    return _("%(years)d or more consecutive years without negative records or adverse findings") % {"years": rule.years}


def reason_text(reason: dict[str, object]) -> str:
    """One line: the fact, then the rule it met and the level it gives."""
    from archives.levels.models import FindingStatus, Level, Severity

    kind = reason.get("kind")
    if kind == "none":
        return _("No rule for a higher or lower level applies: the level is ordinary.")
    level = _label(Level, str(reason.get("rule_level", "")))
    if kind == "record":
        fact = _("Negative record “%(title)s” (%(severity)s, decided on %(date)s)") % {
            "title": reason.get("title", ""), "severity": _label(Severity, str(reason.get("severity", ""))),
            "date": reason.get("decided_on", ""),
        }
    elif kind == "finding":
        fact = _("Yearly finding of %(year)s: %(status)s") % {
            "year": reason.get("year", ""), "status": _label(FindingStatus, str(reason.get("status", ""))),
        }
    else:
        fact = _("No negative record or adverse finding since %(since)s") % {"since": reason.get("since", "")}
    spec = reason.get("rule_spec")
    rule = describe_rule(SimpleNamespace(**spec)) if isinstance(spec, dict) else ""
    return _("%(fact)s; rule: %(rule)s → %(level)s") % {"fact": fact, "rule": rule, "level": level}
