"""The credit level follows the archive's facts: publication, correction, withdrawal,
repair, expiry (on the day), findings signed and re-signed; rules refuse overlaps and
contradictions; each change of level is audited and pushed as ``level.changed``."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from archives import services
from archives.levels import services as level_services
from archives.levels.models import ArchiveLevel, ArchiveLevelChange, Level, LevelRule
from archives.models import AnnualFinding
from credit_portal.models import AuditEntry
from exchange import schema
from exchange.models import OutboxEvent
from tests.archives.conftest import World, pdf, publish_negative

pytestmark = pytest.mark.django_db

DAY = date(2026, 5, 4)


def level_of(world: World) -> ArchiveLevel:
    return ArchiveLevel.objects.get(archive=world.archive)


def test_publishing_a_general_negative_record_makes_the_level_warning_with_the_reason(
    world: World, django_capture_on_commit_callbacks,
):
    with time_machine.travel(DAY, tick=False), django_capture_on_commit_callbacks(execute=True):
        record = publish_negative(world)
    level = level_of(world)
    assert level.level == Level.WARNING
    [reason] = level.reasons
    assert reason["kind"] == "record"
    assert reason["record"] == record.pk
    assert "安阳县" in reason["basis"]
    assert ArchiveLevelChange.objects.filter(archive=world.archive, level=Level.WARNING).count() == 1
    assert AuditEntry.objects.filter(action="levels.level.changed").count() == 1


def test_level_changed_event_payload_conforms_and_survives_json(world: World, django_capture_on_commit_callbacks):
    with time_machine.travel(DAY, tick=False), django_capture_on_commit_callbacks(execute=True):
        publish_negative(world, severity="serious")
    event = OutboxEvent.objects.get(event_type="level.changed")
    payload = json.loads(json.dumps(event.payload))
    assert payload["level"] == "serious"
    assert payload["previous_level"] is None
    assert "测试甲" not in json.dumps(payload, ensure_ascii=False)
    envelope = {
        "idempotency_key": str(event.pk), "event_type": event.event_type, "schema_version": 1,
        "occurred_at": timezone.now().isoformat(), "aggregate": {"type": event.aggregate_type, "id": event.aggregate_id},
        "payload": payload,
    }
    assert schema.problem(envelope) is None
    envelope["payload"] = {**payload, "level": "excellent"}
    assert schema.problem(envelope) is not None


def test_the_recompute_is_queued_on_commit_not_run_inside_the_change(world: World, django_capture_on_commit_callbacks):
    with time_machine.travel(DAY, tick=False):  # the record is on display that day, not forever
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            publish_negative(world)
        assert not ArchiveLevel.objects.filter(archive=world.archive).exists()
        for callback in callbacks:
            callback()
        assert level_of(world).level == Level.WARNING


def test_a_record_expiring_today_changes_the_level_today(world: World, django_capture_on_commit_callbacks):
    with time_machine.travel(DAY, tick=False), django_capture_on_commit_callbacks(execute=True):
        record = publish_negative(world)
    last_day = record.display_until
    # On its last day of display the record still counts …
    assert level_services.recompute_level(world.archive, on=last_day).level == Level.WARNING
    assert level_of(world).review_on == last_day + timedelta(days=1)
    # … the day after, the daily expiry and refresh move the level the same day.
    with django_capture_on_commit_callbacks(execute=True):
        services.expire_records(today=last_day + timedelta(days=1))
        level_services.refresh_due_levels(today=last_day + timedelta(days=1))
    assert level_of(world).level == Level.NORMAL
    assert list(ArchiveLevelChange.objects.filter(archive=world.archive).values_list("level", flat=True)) == [
        Level.NORMAL, Level.WARNING,
    ]


def test_even_before_the_expiry_task_runs_the_record_no_longer_counts_the_next_day(world: World,
                                                                                  django_capture_on_commit_callbacks):
    with time_machine.travel(DAY, tick=False), django_capture_on_commit_callbacks(execute=True):
        record = publish_negative(world)
    assert level_services.recompute_level(world.archive, on=record.display_until + timedelta(days=1)).level == Level.NORMAL


def test_a_repaired_record_no_longer_counts(world: World, django_capture_on_commit_callbacks):
    with time_machine.travel(DAY, tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            record = publish_negative(world, severity="serious")
        assert level_of(world).level == Level.SERIOUS
        with django_capture_on_commit_callbacks(execute=True):
            services.mark_repaired(record, by=world.credit_office, reason="已履行并作出信用承诺")
    assert level_of(world).level == Level.NORMAL


def test_a_correction_to_minor_and_a_withdrawal_lower_the_level(world: World, django_capture_on_commit_callbacks):
    with time_machine.travel(DAY, tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            record = publish_negative(world)
        with django_capture_on_commit_callbacks(execute=True):
            corrected = services.correct_record(record, by=world.credit_office, reason="异议核实：情节轻微",
                                                severity="minor")
        assert level_of(world).level == Level.NORMAL
        with django_capture_on_commit_callbacks(execute=True):
            other = publish_negative(world, title="另一条")
        assert level_of(world).level == Level.WARNING
        with django_capture_on_commit_callbacks(execute=True):
            services.withdraw_record(other, by=world.credit_office, reason="依据被撤销")
    assert corrected.is_current
    assert level_of(world).level == Level.NORMAL


def _sign(world: World, *, year: int, status: str) -> AnnualFinding:
    finding = services.draft_finding(world.archive, year=year, status=status, basis="经查实", by=world.edu_clerk)
    if status != AnnualFinding.Status.TRUSTWORTHY:
        services.attach_evidence(pdf(), by=world.edu_clerk, finding=finding)
    return services.sign_finding(finding, by=world.edu_reviewer)


def test_a_finding_signed_then_changed_moves_the_level(world: World, django_capture_on_commit_callbacks):
    with time_machine.travel(DAY, tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            _sign(world, year=2025, status=AnnualFinding.Status.WARNING)
        assert level_of(world).level == Level.WARNING
        assert level_of(world).reasons[0]["kind"] == "finding"
        with django_capture_on_commit_callbacks(execute=True):
            _sign(world, year=2025, status=AnnualFinding.Status.SERIOUS)
        assert level_of(world).level == Level.SERIOUS
        with django_capture_on_commit_callbacks(execute=True):
            _sign(world, year=2025, status=AnnualFinding.Status.TRUSTWORTHY)
    assert level_of(world).level == Level.NORMAL


def test_a_warning_finding_counts_for_two_years_then_drops_on_new_year(world: World, django_capture_on_commit_callbacks):
    with time_machine.travel(DAY, tick=False), django_capture_on_commit_callbacks(execute=True):
        _sign(world, year=2025, status=AnnualFinding.Status.WARNING)
    assert level_services.recompute_level(world.archive, on=date(2026, 12, 31)).level == Level.WARNING
    assert level_services.recompute_level(world.archive, on=date(2027, 1, 1)).level == Level.NORMAL


def test_three_clean_years_make_the_level_good(world: World):
    world.archive.practice_start = date(2020, 9, 1)
    world.archive.save(update_fields=["practice_start"])
    level = level_services.recompute_level(world.archive, on=date(2026, 5, 4))
    assert level.level == Level.GOOD
    assert level.reasons[0]["kind"] == "clean"
    assert level.reasons[0]["since"] == "2020-09-01"
    assert not OutboxEvent.objects.filter(event_type="level.changed", payload__level="normal").exists()


# --- rules ---------------------------------------------------------------------------------


def test_only_the_credit_office_adds_rules(world: World):
    with pytest.raises(PermissionDenied):
        level_services.add_level_rule(by=world.edu_reviewer, level="warning", condition="negative_record",
                                      severity="minor", source="某文件")
    assert not LevelRule.objects.filter(severity="minor", condition="negative_record").exists()


def test_a_rule_without_legal_basis_is_refused(world: World):
    with pytest.raises(ValidationError) as exc:
        level_services.add_level_rule(by=world.credit_office, level="warning", condition="negative_record",
                                      severity="minor", source="  ")
    assert "source" in exc.value.message_dict


def test_a_rule_repeating_one_in_force_is_refused(world: World):
    with pytest.raises(ValidationError) as exc:
        level_services.add_level_rule(by=world.credit_office, level="serious", condition="negative_record",
                                      severity="general", source="某文件")
    assert "already covers" in str(exc.value) or "已有" in str(exc.value)
    assert LevelRule.objects.filter(condition="negative_record", severity="general", is_active=True).count() == 1


def test_a_contradicting_rule_is_refused(world: World):
    # Minor information giving 严重失信 while general gives 警示: a worse fact, a better level.
    with pytest.raises(ValidationError) as exc:
        level_services.add_level_rule(by=world.credit_office, level="serious", condition="negative_record",
                                      severity="minor", source="某文件")
    assert "level" in exc.value.message_dict
    assert not LevelRule.objects.filter(severity="minor", condition="negative_record").exists()


def test_a_second_clean_years_rule_and_a_good_level_for_bad_facts_are_refused(world: World):
    with pytest.raises(ValidationError):
        level_services.add_level_rule(by=world.credit_office, level="good", condition="clean_years", severity="general",
                                      years=5, source="某文件")
    with pytest.raises(ValidationError) as exc:
        level_services.add_level_rule(by=world.credit_office, level="good", condition="finding",
                                      finding_status="warning", source="某文件")
    assert "level" in exc.value.message_dict


def test_retiring_and_adding_a_rule_is_audited_and_recomputes(world: World, django_capture_on_commit_callbacks):
    with time_machine.travel(DAY, tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            publish_negative(world, severity="minor")
        assert level_of(world).level == Level.NORMAL
        with django_capture_on_commit_callbacks(execute=True):
            level_services.add_level_rule(by=world.credit_office, level="warning", condition="negative_record",
                                          severity="minor", years=1, source="某市信用分级分类监管办法第五条")
    assert AuditEntry.objects.filter(action="levels.rule.added").count() == 1
    # The generic warning rule (general and above) contradicts nothing: minor → warning too.
    assert level_of(world).level == Level.WARNING


def test_a_rule_counting_years_still_counts_a_record_on_its_last_day(world: World, django_capture_on_commit_callbacks):
    """"Counted for one year from the decision": the decision date's corresponding day a
    year later is the period's last day (民法典 arts. 201-202), as a record's last day of
    display still counts; it stops counting the day after, when the level is reviewed."""
    with time_machine.travel(DAY, tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            record = publish_negative(world, severity="minor")
            level_services.add_level_rule(by=world.credit_office, level="warning", condition="negative_record",
                                          severity="minor", years=1, source="某市信用分级分类监管办法第五条")
    # A minor record is shown for at most 3 months; give it a display period past the rule's year.
    type(record).objects.filter(pk=record.pk).update(display_until=record.decided_on + timedelta(days=800))
    last_day = record.decided_on.replace(year=record.decided_on.year + 1)
    assert level_services.recompute_level(world.archive, on=last_day).level == Level.WARNING
    assert level_of(world).review_on == last_day + timedelta(days=1)
    assert level_services.recompute_level(world.archive, on=last_day + timedelta(days=1)).level == Level.NORMAL


def test_the_history_starts_on_the_portals_day_the_archive_was_opened(world: World) -> None:
    """An archive opened at 01:00 Beijing time was opened that day, not the day before
    (its created_at is 17:00 UTC the previous day)."""
    from datetime import UTC, datetime
    from zoneinfo import ZoneInfo

    from archives.levels.compute import history_start

    archive = world.archive
    archive.practice_start = None
    archive.created_at = datetime(2026, 3, 1, 1, 0, tzinfo=ZoneInfo("Asia/Shanghai")).astimezone(UTC)  # as read
    assert history_start(archive) == date(2026, 3, 1)


def test_a_record_of_conduct_before_18_counts_in_no_level_points_or_green_channel(world: World):
    """The person's page promises a record of conduct before they were 18 is never shown
    to others (003 item 10): it must not make their level 严重失信 (shown in reports and
    pushed to the platform naming the record), cost them points printed in reports, or
    refuse them the green channel with the record named to a licensing department."""
    from archives.levels import points
    from archives.levels.green_channel import green_channel_standing
    from archives.models import Archive

    Archive.objects.filter(pk=world.archive.pk).update(practice_start=date(2015, 9, 1))
    world.archive.refresh_from_db()
    points.set_points_pilot(enabled=True, by=world.credit_office)
    points.add_point_rule(by=world.credit_office, kind="negative_record", severity="serious", points=-30,
                          source="示范市诚信积分试点方案第七条")
    with time_machine.travel(DAY, tick=False):
        record = publish_negative(world, severity="serious", title="未成年时的违法行为",
                                  occurred_on=date(1997, 6, 1), decided_on=date(2026, 3, 20))
        assert record.subject_was_minor
        assert level_services.recompute_level(world.archive).level == Level.GOOD
        assert "未成年时的违法行为" not in str(points.compute_points(world.archive).lines)
        assert green_channel_standing(world.subject, on=DAY).met
        # The same record of an adult's conduct counts in all three.
        type(record).objects.filter(pk=record.pk).update(subject_was_minor=False)
        assert level_services.recompute_level(world.archive).level == Level.SERIOUS
        assert "未成年时的违法行为" in str(points.compute_points(world.archive).lines)
        assert not green_channel_standing(world.subject, on=DAY).met
