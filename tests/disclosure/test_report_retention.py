"""A stored credit report that quotes negative information loses its content when the
5-year retention purge deletes that information (《征信业管理条例》 art. 16: "超过5年的，
应当予以删除"): before, the purged record's title and decision number stayed readable in
the report, through the API and on the verification page, marked genuine."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from archives import services as archive_services
from archives.services.records.display import retention_ends
from credit_portal.models import AuditEntry
from disclosure.models import CreditReport
from disclosure.services import queries
from disclosure.services.reports import verification_code
from tests.disclosure.conftest import grant

pytestmark = pytest.mark.django_db


def _issue(disc) -> CreditReport:  # noqa: ANN001
    _auth, code = grant(disc)
    return queries.query_record(
        by=disc.employer_staff, name=disc.subject.name, id_number=disc.subject.id_number, code=code,
        purpose="recruitment",
    ).report


def test_the_purge_blanks_the_reports_that_quote_what_it_deletes(disc) -> None:
    report = _issue(disc)
    title = disc.negative.title
    assert title in str(report.content)
    other = CreditReport.objects.exclude(subject=disc.subject).first()  # none quote it: untouched, if any
    the_day_after = retention_ends(disc.negative.decided_on) + timedelta(days=1)
    assert archive_services.purge_expired_negative_information(today=the_day_after) >= 1
    report.refresh_from_db()
    assert report.content == {}
    assert report.content_purged_at is not None
    assert title not in str(CreditReport.objects.filter(subject=disc.subject).values_list("content", flat=True))
    assert AuditEntry.objects.filter(action="disclosure.report.content_purged", object_id=str(report.pk)).exists()
    if other is not None:
        assert CreditReport.objects.get(pk=other.pk).content == other.content

    # The verification still recognises the report, and says why its content is gone.
    anyone = Client()
    code = verification_code(report)
    with translation.override("zh-hans"):
        page = anyone.post(reverse("disclosure:verify_report"), {"number": report.number, "code": code},
                           HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "第十六条" in page
    assert title not in page
    api = anyone.post(reverse("disclosure:api_verify"), {"number": report.number, "code": code},
                      content_type="application/json")
    assert api.status_code == 410
    assert api.json()["purged"] is True
    assert title not in api.content.decode()
    # The institution it was issued to reads it again: gone, and why.
    staff = Client()
    staff.force_login(disc.employer_staff)
    assert staff.get(reverse("disclosure:report", args=[report.number])).status_code == 410
    assert staff.get(reverse("disclosure:api_report", args=[report.number])).status_code == 410
    # The person's list of reports about them says so too.
    person = Client()
    person.force_login(disc.citizen)
    with translation.override("zh-hans"):
        mine = person.get(reverse("disclosure:my_reports"), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "保存期限（5年）已届满" in mine


def test_a_report_quoting_only_information_still_kept_stays_whole(disc) -> None:
    report = _issue(disc)
    kept_day = retention_ends(disc.negative.decided_on)  # the last day: kept
    archive_services.purge_expired_negative_information(today=kept_day)
    report.refresh_from_db()
    assert report.content_purged_at is None
    assert disc.negative.title in str(report.content)


def test_reports_whose_records_went_on_an_earlier_night_are_blanked_too(disc) -> None:
    """The sweep runs every night over every report quoting negative information past the
    cutoff (an index on ``oldest_negative_on``), not only the lineages deleted that night."""
    from archives import hooks
    from disclosure.services.report_retention import purge_expired_content

    report = _issue(disc)
    assert report.oldest_negative_on == disc.negative.decided_on
    the_day_after = retention_ends(disc.negative.decided_on) + timedelta(days=1)
    hooks._purge_listeners.unregister(purge_expired_content)  # a night before the sweep existed
    try:
        archive_services.purge_expired_negative_information(today=the_day_after)
    finally:
        hooks.register_retention_purged(purge_expired_content)
    report.refresh_from_db()
    assert report.content_purged_at is None
    assert archive_services.purge_expired_negative_information(today=the_day_after + timedelta(days=1)) == 0
    report.refresh_from_db()
    assert report.content == {}
    assert report.content_purged_at is not None


def test_a_report_emptied_and_marked_purged_in_the_database_reads_as_altered(disc) -> None:
    """The insider's way to hide a report behind the law's words: without the keyed seal of
    a real sweep it is altered, and the reading is audited as such."""
    from django.utils import timezone

    report = _issue(disc)
    CreditReport.objects.filter(pk=report.pk).update(content={}, content_purged_at=timezone.now())
    api = Client().post(reverse("disclosure:api_verify"), {"number": report.number, "code": verification_code(report)},
                        content_type="application/json")
    assert api.status_code == 409
    assert AuditEntry.objects.filter(action="disclosure.report.altered", object_id=str(report.pk)).exists()
    staff = Client()
    staff.force_login(disc.employer_staff)
    assert staff.get(reverse("disclosure:report", args=[report.number])).status_code == 409


def test_the_migration_fills_in_the_reports_issued_before(disc) -> None:
    import importlib

    from django.apps import apps

    report = _issue(disc)
    CreditReport.objects.filter(pk=report.pk).update(oldest_negative_on=None)
    importlib.import_module("disclosure.migrations.0008_report_purge_seal_and_sweep").backfill(apps, None)
    assert CreditReport.objects.get(pk=report.pk).oldest_negative_on == disc.negative.decided_on
