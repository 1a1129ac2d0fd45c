"""What third parties see that rests on yearly findings stops with the finding's display
period, as it does for records (``levels.compute.is_effective``): the green channel, the
credit level and the integrity points used to count a finding no report would show
(``compute.finding_is_effective``)."""

from __future__ import annotations

from datetime import date

import pytest

from archives.levels.green_channel import green_channel_standing
from archives.levels.services import assess
from archives.models import AnnualFinding, Archive, DisplayRule
from disclosure.services import report_reads
from tests.archives.conftest import at, sign_finding

pytestmark = pytest.mark.django_db


def test_the_green_channel_names_a_finding_no_longer_shown(world) -> None:
    Archive.objects.filter(pk=world.archive.pk).update(practice_start=date(2010, 9, 1))
    with at(date(2022, 1, 20)):
        warning = sign_finding(world, year=2021, status=AnnualFinding.Status.WARNING)
    assert warning.display_until == date(2022, 12, 31)
    day = date(2023, 6, 1)
    # Third parties no longer see it in reports …
    assert report_reads.signed_findings([world.archive.pk], today=day) == []
    # … yet the licensing department is told of it, and refused the green channel for it.
    standing = green_channel_standing(world.archive.subject, on=day)
    assert standing.met, f"green channel refused on {day}: {standing.why_not}"


def test_the_credit_level_rests_on_a_finding_no_longer_shown(world) -> None:
    # The credit office sets the general tier's maximum to 6 months (within 3–12).
    DisplayRule.objects.filter(tier="general").update(max_months=6)
    with at(date(2025, 1, 20)):
        warning = sign_finding(world, year=2024, status=AnnualFinding.Status.WARNING)
    assert warning.display_until == date(2025, 6, 30)
    day = date(2025, 9, 1)
    assert report_reads.signed_findings([world.archive.pk], today=day) == []
    # The level (sent to the platform in level.changed, shown on the staff pages) still
    # rests on it, as a record past its display period would not.
    result = assess(world.archive, on=day)
    assert result.level != "warning", f"level {result.level} on {day} from {result.reasons}"
