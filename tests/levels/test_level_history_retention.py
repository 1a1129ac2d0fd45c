"""The level history says "warning" or "serious" about a person: negative information
derived from records the nightly purge deletes after 5 years (《征信业管理条例》 art. 16).
It was kept for good, with the record's decision day and severity in its reasons. The
purge now takes the changes older than the retention that state such a level, and
recomputes the level of an archive whose record it deleted."""

from __future__ import annotations

from datetime import date

import pytest
import time_machine
from django.utils import timezone

from archives import services
from archives.levels.models import ArchiveLevel, ArchiveLevelChange, Level
from archives.levels.services import recompute_level
from credit_portal.models import AuditEntry
from tests.archives.conftest import World, publish_negative

pytestmark = pytest.mark.django_db


def test_adverse_level_history_goes_with_the_records_it_rests_on(world: World,
                                                                   django_capture_on_commit_callbacks) -> None:
    with time_machine.travel(date(2020, 7, 1), tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            publish_negative(world, occurred_on=date(2020, 6, 1), decided_on=date(2020, 6, 15))
    assert ArchiveLevel.objects.get(archive=world.archive).level == Level.WARNING
    # A year on its display is over and the level falls back (a change that names the
    # warning it leaves), then the record's 5 years end.
    recompute_level(world.archive, on=date(2021, 7, 1))
    history = list(ArchiveLevelChange.objects.filter(archive=world.archive).order_by("effective_on"))
    assert [(c.previous, c.level) for c in history][-1][0] == Level.WARNING
    left_warning = history[-1]

    entered_warning = history[0]
    with django_capture_on_commit_callbacks(execute=True):
        services.purge_expired_negative_information(today=date(2025, 6, 16))
    # The record went the day after its 5 years; the level was recomputed at once (the
    # purge tells the level that the archive changed), not at some later daily refresh.
    level = ArchiveLevel.objects.get(archive=world.archive)
    assert level.computed_on == timezone.localdate()
    assert all(reason.get("kind") != "record" for reason in level.reasons)
    # A change is the portal's own finding on its effective day, kept 5 years from it:
    # the change into warning (1 July 2020) goes from 2 July 2025.
    assert ArchiveLevelChange.objects.filter(pk=entered_warning.pk).exists()
    services.purge_expired_negative_information(today=date(2025, 7, 2))
    remaining = set(ArchiveLevelChange.objects.filter(archive=world.archive).values_list("pk", flat=True))
    assert entered_warning.pk not in remaining
    assert left_warning.pk in remaining  # it names the warning it left: kept to its own 5 years
    assert AuditEntry.objects.filter(action="levels.level_history.purged").count() == 1
    services.purge_expired_negative_information(today=date(2026, 7, 2))
    assert not ArchiveLevelChange.objects.filter(archive=world.archive, previous=Level.WARNING).exists()
