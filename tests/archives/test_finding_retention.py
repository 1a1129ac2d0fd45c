"""Warning and serious yearly findings are deleted 5 years after their decision day.

《征信业管理条例》 art. 16: "个人不良信息的保存期限，自不良行为或者事件终止之日起为5年；超过5年的，
应当予以删除". A finding of 严重失信行为 is such information, and nothing deleted it: a 2019
serious finding stayed in the archive, and in every report, for good. The nightly purge
now takes it with its evidence, blanks the events that carried it to the platform, tells
the platform (``finding.purged``), blanks the stored reports that quote it, and leaves
the table check (``verify_tables``) able to tell the deletion from a database writer's,
before and after the audit trail's own purge.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import time_machine
from django.core.files.storage import default_storage
from django.utils import timezone

from archives.findings_check import CARRIED
from archives.models import AnnualFinding, Evidence
from archives.services.retention import purge_expired_negative_information
from credit_portal.audit_anchor import purge_expired
from credit_portal.models import AuditEntry
from credit_portal.roles import Role
from disclosure.models import CreditReport
from disclosure.services.reports import issue_report
from exchange import schema
from exchange.models import OutboxEvent
from tests import factories as f
from tests.archives.conftest import at, sign_finding
from tests.archives.test_findings_check import _problems, _verify

pytestmark = pytest.mark.django_db


def test_a_serious_finding_goes_the_day_after_its_five_years(world, django_capture_on_commit_callbacks) -> None:
    with at(date(2020, 2, 1)):
        serious = sign_finding(world, year=2019, status=AnnualFinding.Status.SERIOUS)
        report = issue_report(world.archive.subject, kind=CreditReport.Kind.SELF, to_user=world.edu_clerk)
    assert serious.decided_on == date(2019, 12, 31)
    # The report quotes it, so it is blanked when the finding's 5 years are over.
    assert report.oldest_negative_on == date(2019, 12, 31)
    stored = list(Evidence.objects.filter(finding=serious).values_list("file", flat=True))
    assert stored
    assert all(default_storage.exists(name) for name in stored)

    # Kept through the last day (31 December 2024), deleted the day after.
    with django_capture_on_commit_callbacks(execute=True):
        purge_expired_negative_information(today=date(2024, 12, 31))
    assert AnnualFinding.objects.filter(pk=serious.pk).exists()
    with django_capture_on_commit_callbacks(execute=True):
        purge_expired_negative_information(today=date(2025, 1, 1))
    assert not AnnualFinding.objects.filter(archive=world.archive, year=2019).exists()
    assert not Evidence.objects.filter(file__in=stored).exists()
    assert not any(default_storage.exists(name) for name in stored)
    (entry,) = AuditEntry.objects.filter(action="archives.finding.purged")
    assert entry.detail["findings"] == [serious.pk]
    assert entry.detail["rule"] == "art16-5y"
    assert "2019年度认定" not in str(entry.detail)

    # The platform is told; what the earlier event carried is blanked in the outbox.
    signed_event = OutboxEvent.objects.get(event_type="finding.signed", aggregate_id=str(serious.pk))
    assert "basis" not in signed_event.payload
    assert "status" not in signed_event.payload
    purged_event = OutboxEvent.objects.get(event_type="finding.purged")
    assert purged_event.payload["finding_ids"] == [serious.pk]
    assert schema.problem(schema.envelope_for(purged_event)) is None

    report.refresh_from_db()
    assert report.content_purged_at is not None
    assert "Every checked table matches" in _verify()


def test_a_warning_corrected_to_trustworthy_leaves_the_trustworthy_version_in_force(world) -> None:
    with at(date(2020, 2, 1)):
        warning = sign_finding(world, year=2019, status=AnnualFinding.Status.WARNING)
    with at(date(2020, 3, 1)):
        trustworthy = sign_finding(world, year=2019, status=AnnualFinding.Status.TRUSTWORTHY)
    purge_expired_negative_information(today=date(2025, 1, 1))
    assert list(AnnualFinding.objects.filter(archive=world.archive, year=2019)) == [trustworthy]
    trustworthy.refresh_from_db()
    assert trustworthy.is_current
    assert trustworthy.state == AnnualFinding.State.SIGNED
    assert AuditEntry.objects.get(action="archives.finding.purged").detail["findings"] == [warning.pk]
    assert "Every checked table matches" in _verify()


def test_a_serious_finding_in_force_takes_the_year_s_earlier_versions_with_it(world) -> None:
    with at(date(2020, 1, 10)):
        first = sign_finding(world, year=2019, status=AnnualFinding.Status.TRUSTWORTHY)
        serious = sign_finding(world, year=2019, status=AnnualFinding.Status.SERIOUS)
        kept = sign_finding(world, year=2020, status=AnnualFinding.Status.TRUSTWORTHY)
    purge_expired_negative_information(today=date(2025, 1, 1))
    assert list(AnnualFinding.objects.filter(archive=world.archive)) == [kept]
    assert sorted(AuditEntry.objects.get(action="archives.finding.purged").detail["findings"]) == [first.pk, serious.pk]
    assert "Every checked table matches" in _verify()


def test_the_table_check_tells_the_purge_from_a_writer_through_the_trail_s_own_purges(
        long_ago, world, settings) -> None:
    """Signed findings are carried forward by the trail's purge (ids and a digest); one
    later deleted at its retention limit stands in the digest by what its deletion's entry
    recorded, and once that entry is purged too, the carried entry names only the rest."""
    warning = sign_finding(world, year=2024, status=AnnualFinding.Status.WARNING)
    corrected = sign_finding(world, year=2024, status=AnnualFinding.Status.TRUSTWORTHY)
    first_2025 = sign_finding(world, year=2025, status=AnnualFinding.Status.TRUSTWORTHY)
    serious = sign_finding(world, year=2025, status=AnnualFinding.Status.SERIOUS)
    auditor = f.make_user("the-auditor", roles=(Role.AUDITOR,), is_staff=True)
    long_ago()
    with time_machine.travel(timezone.now() - timedelta(days=settings.AUDIT_RETENTION_DAYS + 10)):
        assert purge_expired(by=auditor) is not None
    (carried,) = AuditEntry.objects.filter(action=CARRIED)
    assert carried.detail["count"] == 4

    # Far enough on that both years' adverse findings are past their 5 years.
    purge_expired_negative_information(today=date(2031, 6, 1))
    assert list(AnnualFinding.objects.filter(archive=world.archive)) == [corrected]
    assert "Every checked table matches" in _verify()

    # A deleted finding put back by a database writer is named.
    AnnualFinding.objects.bulk_create([AnnualFinding(
        pk=serious.pk, archive=world.archive, year=2025, version=serious.version, status="serious", basis="x",
        state=AnnualFinding.State.SUPERSEDED, is_current=False, created_by=world.edu_clerk, seal=serious.seal,
    )])
    assert f"finding {serious.pk} was deleted at its retention limit, yet is in the table again" in _problems()
    AnnualFinding.objects.filter(pk=serious.pk).delete()
    assert "Every checked table matches" in _verify()

    # The deletion's own entry is purged in its turn: the carried entry is carried again
    # without the deleted findings, and the check still passes.
    with time_machine.travel(timezone.now() + timedelta(days=settings.AUDIT_RETENTION_DAYS + 10)):
        assert purge_expired(by=auditor) is not None
        assert not AuditEntry.objects.filter(action="archives.finding.purged").exists()
        (again,) = AuditEntry.objects.filter(action=CARRIED)
        assert again.detail["count"] == 1
        assert again.detail["ranges"] == [[corrected.pk, corrected.pk]]
        assert "Every checked table matches" in _verify()
        # A finding deleted behind the purge's back is still named.
        AnnualFinding.objects.filter(pk=corrected.pk).delete()
        assert f"1 finding rows it carries are missing ({corrected.pk})" in _problems()
    assert {warning.pk, first_2025.pk}.isdisjoint(AnnualFinding.objects.values_list("pk", flat=True))


def test_the_platform_forgets_the_purged_findings_and_deliveries_still_reconcile(world) -> None:
    from exchange import delivery, reconcile
    from exchange.models import PlatformLedgerEntry

    with at(date(2020, 2, 1)):
        serious = sign_finding(world, year=2019, status=AnnualFinding.Status.SERIOUS)
        other = sign_finding(world, year=2020, status=AnnualFinding.Status.TRUSTWORTHY)
    delivery.deliver_pending()
    purge_expired_negative_information(today=date(2025, 1, 1))
    delivery.deliver_pending()
    assert OutboxEvent.objects.get(event_type="finding.purged").state == OutboxEvent.State.DELIVERED
    gone = PlatformLedgerEntry.objects.get(event_type="finding.signed", aggregate_id=str(serious.pk))
    assert gone.payload == {"finding_id": serious.pk, "version": 1}
    assert len(gone.digest) == 64
    kept = PlatformLedgerEntry.objects.get(event_type="finding.signed", aggregate_id=str(other.pk))
    assert kept.payload["basis"] == "2020年度认定"
    result = reconcile.reconcile()
    assert result.ok, result
    assert not result.altered
