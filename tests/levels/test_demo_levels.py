"""The demo shows the feature: people at every level, a green-channel check in the demo
citizen's query log, the points pilot on with rules; a second run changes nothing."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from archives.demo import DEMO_CITIZEN_NAME
from archives.levels import points
from archives.levels.models import ArchiveLevel, ArchiveLevelChange, PointRule
from disclosure.models import QueryLog
from tests.archives.test_demo import _private_media  # noqa: F401 - fixture re-export


@pytest.mark.usefixtures("_private_media")
@pytest.mark.django_db
def test_demo_has_every_level_a_green_channel_check_and_the_points_pilot() -> None:
    call_command("load_demo_data", stdout=StringIO())
    assert set(ArchiveLevel.objects.values_list("level", flat=True)) == {"good", "normal", "warning", "serious"}
    check = QueryLog.objects.get(kind=QueryLog.Kind.GREEN_CHANNEL, subject__name=DEMO_CITIZEN_NAME)
    assert check.green_channel_met is False
    assert QueryLog.objects.filter(kind=QueryLog.Kind.GREEN_CHANNEL, green_channel_met=True).exists()
    assert points.is_pilot_on()
    assert PointRule.objects.filter(is_active=True).count() >= 3
    before = (ArchiveLevel.objects.count(), ArchiveLevelChange.objects.count(), QueryLog.objects.count())
    call_command("load_demo_data", stdout=StringIO())
    assert (ArchiveLevel.objects.count(), ArchiveLevelChange.objects.count(), QueryLog.objects.count()) == before
