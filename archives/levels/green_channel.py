"""Whether a person has three or more consecutive clean years: the green channel's
condition (绿色通道、容缺受理).

001 §四: "对具有优良信用记录和连续3年以上无不良信用记录的个人依法采取‘绿色通道’和‘容缺受理’等
便利措施"; 003 item 5; 004 item 23 ("连续三年以上无不良信用记录的行政相对人"). The read is
here, beside the level it shares its counting with (``compute``); the logged query a
department makes is ``disclosure.services.green_channel``.

What counts as a bad record: negative information of any severity that is effective on
the day (published, current, within its display period: a repaired, withdrawn or
expired record is no longer used, DESIGN §7), and a signed 警示 or 严重失信 yearly
finding (its whole year) while within its display period (``compute.finding_is_effective``:
a licensing department is not told of a finding no report would show). A correction counts as its current version. The history must
itself be long enough: the stretch starts at the earliest start of practice or archive.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from dateutil.relativedelta import relativedelta
from django.utils.translation import gettext as _

from archives.levels.compute import (
    clean_since,
    clean_years_reached_on,
    has_clean_years,
    history_start,
    last_disqualifying_event,
)
from archives.levels.models import FindingStatus, Severity
from archives.models import AnnualFinding, Archive, CreditRecord, Subject
from departments.models import Department, RecordCategory
from departments.scope import department_ids

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from credit_portal.models import User

GREEN_CHANNEL_YEARS = 3


@dataclass(frozen=True)
class GreenChannelStanding:
    met: bool
    years: int
    window_from: date
    window_to: date
    clean_since: date | None
    qualifies_from: date | None
    # Why not, in words (None when met): the disqualifying fact or the short history.
    why_not: str | None


def _fact_text(reason: dict[str, object]) -> str:
    """The disqualifying fact, told by its kind, severity and date only: the department
    learns why, not the record's content."""
    if reason.get("kind") == "finding":
        return _("a yearly finding of %(year)s: %(status)s") % {
            "year": reason["year"], "status": FindingStatus(str(reason["status"])).label,
        }
    category = RecordCategory.objects.filter(pk=reason.get("category")).values_list("name", flat=True).first() or "—"
    return _("a negative record (%(category)s, %(severity)s) decided on %(date)s") % {
        "category": category, "severity": Severity(str(reason["severity"])).label, "date": reason["decided_on"],
    }


def green_channel_standing(subject: Subject, *, on: date, years: int = GREEN_CHANNEL_YEARS) -> GreenChannelStanding:
    """The person's standing on ``on`` across all their archives (three queries).

    Callers: ``disclosure.services.green_channel.check_green_channel`` (logged, audited);
    nothing else shows it to a third party."""
    window_from = on - relativedelta(years=years)
    archives = list(Archive.objects.filter(subject=subject).only("id", "practice_start", "created_at"))
    if not archives:
        return GreenChannelStanding(False, years, window_from, on, None, None,
                                    _("No credit archive is kept for this person, so no clean years can be shown."))
    ids = [a.pk for a in archives]
    # Not the records of conduct before 18: never shown to others (003 item 10), and the
    # standing is shown to the licensing department.
    records = list(CreditRecord.objects.filter(archive_id__in=ids, is_current=True, state=CreditRecord.State.PUBLISHED,
                                               subject_was_minor=False))
    findings = list(AnnualFinding.objects.filter(archive_id__in=ids, is_current=True, state=AnnualFinding.State.SIGNED))
    start = min(history_start(a) for a in archives)
    last = last_disqualifying_event(records, findings, on)
    since = clean_since(start, last[0] if last else None)
    if has_clean_years(since, years, on):
        return GreenChannelStanding(True, years, window_from, on, since, None, None)
    qualifies_from = clean_years_reached_on(since, years)
    if last is not None and last[0] >= start:
        why = _("The clean years are interrupted by %(fact)s.") % {"fact": _fact_text(last[1])}
    else:
        why = _("The credit archive goes back only to %(start)s, less than %(years)d years.") % {
            "start": start.isoformat(), "years": years,
        }
    return GreenChannelStanding(False, years, window_from, on, since, qualifies_from, why)


def licensing_department(user: User | AnonymousUser) -> Department | None:
    """The department a user checks the green channel for: an active government
    department they are a clerk or reviewer of (the licensing and approving bodies of
    004 item 23; industry associations and the credit office do not license)."""
    ids = department_ids(user)
    if not ids:
        return None
    return (Department.objects.filter(id__in=ids, kind=Department.Kind.GOVERNMENT, is_active=True)
            .order_by("sort_order", "id").first())
