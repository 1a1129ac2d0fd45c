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
from archives.models import CreditRecord
from credit_portal.models import AuditEntry
from exchange import delivery, schema
from exchange.models import OutboxEvent, PlatformLedgerEntry
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
    # Both changes rest on the deleted record: the one into warning (its reason), and the
    # one leaving it (the reasons of the level it left). They go with it.
    assert entered_warning.pk not in set(ArchiveLevelChange.objects.values_list("pk", flat=True))
    assert not ArchiveLevelChange.objects.filter(pk=left_warning.pk).exists()
    assert AuditEntry.objects.filter(action="levels.level_history.purged").count() == 1


def test_a_change_resting_on_a_record_goes_with_it_even_if_the_change_is_recent(
        world: World, django_capture_on_commit_callbacks) -> None:
    """A serious penalty decided in June 2020, entered in January 2023 (within its display
    period): the level became serious that day. The change names the record's decision
    day and severity: it goes with the record (2025-06-16), not five years after 2023."""
    with time_machine.travel(date(2023, 1, 10), tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            record = publish_negative(world, severity=CreditRecord.Severity.SERIOUS, occurred_on=date(2020, 6, 1),
                                      decided_on=date(2020, 6, 15))
    entered = ArchiveLevelChange.objects.get(archive=world.archive, level=Level.SERIOUS)
    assert entered.oldest_fact_on == date(2020, 6, 15)
    with django_capture_on_commit_callbacks(execute=True):
        services.purge_expired_negative_information(today=date(2025, 6, 16))
    assert not CreditRecord.objects.filter(lineage=record.lineage).exists()
    assert not [c for c in ArchiveLevelChange.objects.filter(archive=world.archive)
                if any(r.get("lineage") == str(record.lineage) for r in c.reasons)]


def test_the_level_events_go_with_the_history(world: World, django_capture_on_commit_callbacks) -> None:
    """The level.changed events sent for the deleted changes kept the warning, with the
    person's index, in the outbox for good: they are blanked to their ids."""
    with time_machine.travel(date(2020, 7, 1), tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            publish_negative(world, occurred_on=date(2020, 6, 1), decided_on=date(2020, 6, 15))
    recompute_level(world.archive, on=date(2021, 7, 1))
    assert OutboxEvent.objects.filter(event_type="level.changed").count() == 2
    delivery.deliver_pending()
    with django_capture_on_commit_callbacks(execute=True):
        services.purge_expired_negative_information(today=date(2026, 7, 2))
    changed = list(OutboxEvent.objects.filter(event_type="level.changed"))
    for event in changed:
        assert "subject_index" not in event.payload
        assert event.purged_at is not None
    # The platform is told which (level.history_purged) and blanks its copies.
    (told,) = OutboxEvent.objects.filter(event_type="level.history_purged")
    assert sorted(told.payload["events"]) == sorted(str(e.pk) for e in changed)
    assert schema.problem(schema.envelope_for(told)) is None
    delivery.deliver_pending()
    for entry in PlatformLedgerEntry.objects.filter(event_type="level.changed"):
        assert "subject_index" not in entry.payload
