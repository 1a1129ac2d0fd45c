"""Yearly findings have a display period and a retention, as records do.

A report issued in 2026 showed a 2019 finding of 严重失信行为: findings had neither. A
finding's decision day is the day it was signed, never later than its year's last day
(``display.finding_decided_on``); third parties see it in reports until the maximum
display period of the tier its status follows has run from that day (DESIGN §7: "At the
maximum, public and third-party display stops by itself"); a warning or serious finding
is negative information, kept 5 years and then deleted (《征信业管理条例》 art. 16), so
one already past that cannot be entered.
"""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from archives import services
from archives.models import AnnualFinding
from disclosure.models import CreditReport
from disclosure.services.reports import build_content
from tests.archives.conftest import World, at, pdf, sign_finding

pytestmark = pytest.mark.django_db

SIGNED = date(2026, 3, 10)


def _report_findings(world: World, day: date) -> list[tuple[int, str]]:
    content = build_content(world.archive.subject, number="T", kind=CreditReport.Kind.SELF,
                            issued_at=timezone.now(), today=day)
    return [(f["year"], f["status"]) for a in content["archives"] for f in a["findings"]]


def test_a_finding_is_shown_in_reports_until_its_tier_s_maximum_from_its_decision_day(world: World) -> None:
    with at(SIGNED):
        serious = sign_finding(world, year=2025, status=AnnualFinding.Status.SERIOUS)
        # Signed within its year: counted from the signing day.
        warning = sign_finding(world, year=2026, status=AnnualFinding.Status.WARNING)
        trustworthy = sign_finding(world, year=2024, status=AnnualFinding.Status.TRUSTWORTHY)
    # Signed after its year: counted from the year's last day, the serious tier's 36 months.
    assert (serious.decided_on, serious.display_until) == (date(2025, 12, 31), date(2028, 12, 31))
    # Warning conduct follows the general tier: at most 12 months.
    assert (warning.decided_on, warning.display_until) == (SIGNED, date(2027, 3, 10))
    # 守信 follows positive information (36 months by default).
    assert trustworthy.display_until == date(2027, 12, 31)

    assert _report_findings(world, SIGNED) == [(2026, "warning"), (2025, "serious"), (2024, "trustworthy")]
    assert _report_findings(world, date(2027, 3, 10)) == [(2026, "warning"), (2025, "serious"), (2024, "trustworthy")]
    assert _report_findings(world, date(2027, 3, 11)) == [(2025, "serious"), (2024, "trustworthy")]
    assert _report_findings(world, date(2028, 12, 31)) == [(2025, "serious")]
    assert _report_findings(world, date(2029, 1, 1)) == []


def test_a_later_version_does_not_restart_the_display_period(world: World) -> None:
    with at(SIGNED):
        sign_finding(world, year=2025, status=AnnualFinding.Status.SERIOUS)
    with at(date(2027, 6, 1)):
        corrected = sign_finding(world, year=2025, status=AnnualFinding.Status.SERIOUS)
    assert corrected.version == 2
    assert (corrected.decided_on, corrected.display_until) == (date(2025, 12, 31), date(2028, 12, 31))


def test_an_adverse_finding_past_the_five_years_cannot_be_entered(world: World) -> None:
    with at(SIGNED):
        # 2020's last day is before the cutoff (10 March 2021): deleted the next night.
        with pytest.raises(ValidationError) as refused:
            services.draft_finding(world.archive, year=2020, status=AnnualFinding.Status.SERIOUS, basis="经查实",
                                   by=world.edu_clerk)
        assert "5" in str(refused.value.message_dict["year"])
        assert not AnnualFinding.objects.filter(year=2020).exists()
        # 守信 is not negative information: any year may be entered.
        sign_finding(world, year=2020, status=AnnualFinding.Status.TRUSTWORTHY)
        # 2021's conduct ended on 31 December 2021 at the latest: still within the 5 years.
        sign_finding(world, year=2021, status=AnnualFinding.Status.WARNING)


def test_a_draft_whose_five_years_ran_out_before_it_was_signed_is_not_signed(world: World) -> None:
    with at(date(2025, 6, 1)):
        draft = services.draft_finding(world.archive, year=2020, status=AnnualFinding.Status.WARNING,
                                       basis="经查实", by=world.edu_clerk)
        services.attach_evidence(pdf(), by=world.edu_clerk, finding=draft)
    with at(date(2026, 1, 5)), pytest.raises(ValidationError):
        services.sign_finding(draft, by=world.edu_reviewer)
    draft.refresh_from_db()
    assert (draft.state, draft.decided_on, draft.display_until) == (AnnualFinding.State.DRAFT, None, None)


def test_the_platform_is_told_until_when_a_finding_may_be_shown(world: World) -> None:
    """Records carry display_until to the platform, which stops display by itself; a
    finding's event carries its own (docs/exchange/README.md)."""
    from exchange import schema
    from exchange.models import OutboxEvent

    with at(SIGNED):
        serious = sign_finding(world, year=2025, status=AnnualFinding.Status.SERIOUS)
    event = OutboxEvent.objects.get(event_type="finding.signed", aggregate_id=str(serious.pk))
    assert event.payload["display_until"] == "2028-12-31"
    assert schema.problem(schema.envelope_for(event)) is None
