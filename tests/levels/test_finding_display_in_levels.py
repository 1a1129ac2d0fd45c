"""What third parties see that rests on yearly findings stops with the finding's display
period, as it does for records (``levels.compute.is_effective``): the green channel, the
credit level and the integrity points used to count a finding no report would show
(``compute.finding_is_effective``)."""

from __future__ import annotations

from datetime import date, datetime, time

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from archives import services
from archives.levels.green_channel import green_channel_standing
from archives.levels.services import assess
from archives.models import AnnualFinding, Archive, DisplayRule
from disclosure.services import report_reads

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _at(day: date) -> time_machine.travel:
    return time_machine.travel(timezone.make_aware(datetime.combine(day, time(10))), tick=False)


def _sign(world, *, year: int, status: str) -> AnnualFinding:  # noqa: ANN001
    draft = services.draft_finding(world.archive, year=year, status=status, basis=f"{year}年度认定", by=world.edu_clerk)
    if draft.needs_evidence:
        services.attach_evidence(SimpleUploadedFile("proof.pdf", PDF, "application/pdf"), finding=draft,
                                 by=world.edu_clerk)
    return services.sign_finding(draft, by=world.edu_reviewer)


def test_the_green_channel_names_a_finding_no_longer_shown(world) -> None:
    Archive.objects.filter(pk=world.archive.pk).update(practice_start=date(2010, 9, 1))
    with _at(date(2022, 1, 20)):
        warning = _sign(world, year=2021, status=AnnualFinding.Status.WARNING)
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
    with _at(date(2025, 1, 20)):
        warning = _sign(world, year=2024, status=AnnualFinding.Status.WARNING)
    assert warning.display_until == date(2025, 6, 30)
    day = date(2025, 9, 1)
    assert report_reads.signed_findings([world.archive.pk], today=day) == []
    # The level (sent to the platform in level.changed, shown on the staff pages) still
    # rests on it, as a record past its display period would not.
    result = assess(world.archive, on=day)
    assert result.level != "warning", f"level {result.level} on {day} from {result.reasons}"
