"""The demo data set: records in every state through the services, idempotent, and
the large synthetic generator for benchmarks."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from archives import demo, services, validators
from archives.models import AnnualFinding, Archive, CreditRecord, DisplayRule, Notice, Subject
from archives.services.records.display import repairable_from, retention_cutoff
from credit_portal.models import AuditEntry
from exchange.models import OutboxEvent


@pytest.fixture
def _private_media(settings, tmp_path) -> None:
    settings.STORAGES = {**settings.STORAGES, "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(tmp_path)}}}
    settings.CREDIT_PORTAL_LOCAL_DIR = tmp_path
    settings.LOCAL_DIR = tmp_path


def _snapshot() -> tuple[int, ...]:
    return (
        Subject.objects.count(), Archive.objects.count(), CreditRecord.objects.count(),
        AnnualFinding.objects.count(), Notice.objects.count(), OutboxEvent.objects.count(), AuditEntry.objects.count(),
    )


@pytest.mark.usefixtures("_private_media")
@pytest.mark.django_db
def test_demo_archives_hold_every_state_and_a_second_run_changes_nothing() -> None:
    call_command("load_demo_data", stdout=StringIO())
    states = set(CreditRecord.objects.values_list("state", flat=True))
    assert states >= {"draft", "submitted", "returned", "published", "corrected", "withdrawn", "expired"}
    assert AnnualFinding.objects.filter(state=AnnualFinding.State.SIGNED).count() >= 3
    # Through the services: the trail and the outbox are real.
    assert OutboxEvent.objects.filter(event_type="record.published").exists()
    assert AuditEntry.objects.filter(action="archives.record.published").exists()
    # Every demo record says which activity produced it (001 §三（五）), each of the six shown.
    assert not CreditRecord.objects.filter(source_type="").exists()
    assert set(CreditRecord.objects.values_list("source_type", flat=True)) == set(CreditRecord.SourceType.values)
    first = _snapshot()
    call_command("load_demo_data", stdout=StringIO())
    assert _snapshot() == first


@pytest.mark.usefixtures("_private_media")
@pytest.mark.django_db
def test_the_citizens_subject_is_found_by_its_id_number_and_was_told() -> None:
    assert validators.validate_id_number(demo.DEMO_CITIZEN_ID_NUMBER) == demo.DEMO_CITIZEN_ID_NUMBER
    call_command("load_demo_data", stdout=StringIO())
    subject = services.find_subject_by_id_number(demo.DEMO_CITIZEN_ID_NUMBER)
    assert subject is not None
    assert subject.name == demo.DEMO_CITIZEN_NAME
    assert Notice.objects.filter(subject=subject, kind=Notice.Kind.REPAIR_NOTICE).exists()
    assert CreditRecord.objects.filter(archive__subject=subject, state="published", polarity="negative").exists()


@pytest.mark.django_db
def test_generate_demo_data_bulk_inserts_encrypted_subjects() -> None:
    out = StringIO()
    call_command("generate_demo_data", subjects=30, stdout=out)
    assert "subjects/s" in out.getvalue()
    assert Subject.objects.count() == 30
    assert Archive.objects.count() == 30
    assert CreditRecord.objects.filter(state="published").count() >= 30
    subject = Subject.objects.order_by("name").first()
    # Found through its blind index, decrypted through the field: bulk_create encrypted it.
    assert services.find_subject_by_id_number(subject.id_number) == subject
    with connection.cursor() as cursor:
        cursor.execute("SELECT id_number, phone FROM archives_subject")
        raw = cursor.fetchall()
    numbers = {s.id_number for s in Subject.objects.all()}
    assert not any(number in " ".join(str(v) for row in raw for v in row) for number in numbers)
    # A second run adds more people without colliding.
    call_command("generate_demo_data", subjects=5, stdout=StringIO())
    assert Subject.objects.count() == 35


@pytest.mark.usefixtures("_private_media")
@pytest.mark.django_db
def test_generate_after_the_demo_data_holds_every_state_and_never_reuses_a_demo_id_number() -> None:
    from disclosure.models import Authorization, QueryLog
    from repair import synthetic
    from repair.models import Objection, RepairApplication

    call_command("load_demo_data", stdout=StringIO())
    demo_indexes = set(Subject.objects.values_list("id_number_index", flat=True))
    # Person #222,714 used to get a demo person's ID number: synthetic people now live in
    # another region code than every demo person.
    assert synthetic.person_number(222_714)[:6] == synthetic.REGION != demo.DEMO_CITIZEN_ID_NUMBER[:6]
    call_command("generate_demo_data", subjects=120, workers=1, stdout=StringIO())
    synthetic_people = Subject.objects.exclude(id_number_index__in=demo_indexes)
    assert synthetic_people.count() == 120
    records = CreditRecord.objects.filter(archive__subject__in=synthetic_people)
    assert set(records.values_list("state", flat=True)) == set(CreditRecord.State.values)
    assert set(records.exclude(severity="").values_list("severity", flat=True)) == set(CreditRecord.Severity.values)
    assert records.count() == 120 * synthetic.RECORDS_PER_PERSON
    assert set(records.values_list("source_type", flat=True)) == {
        "commendation", "supervision", "spot_check", "assessment", "penalty",
    }
    corrected = records.get(state="corrected", archive__subject__in=synthetic_people[:1])
    assert records.get(supersedes=corrected).lineage == corrected.lineage
    assert AnnualFinding.objects.filter(archive__subject__in=synthetic_people, state="signed").count() == 120
    assert Authorization.objects.filter(subject__in=synthetic_people).count() == 12
    assert QueryLog.objects.filter(subject__in=synthetic_people).count() == 12
    assert Objection.objects.filter(subject__in=synthetic_people).count() == 2  # persons 7 and 107
    assert RepairApplication.objects.filter(subject__in=synthetic_people).count() == 1  # person 57
    # What the services would have made: nothing published past its display period
    # (publication would have ended it at once), nothing past the 5-year retention (the
    # nightly purge deletes it), repair applied for only once the minimum period is over.
    today = timezone.localdate()
    assert not records.filter(state="published", display_until__lt=today).exists()
    assert not records.filter(polarity="negative", decided_on__lt=retention_cutoff(today)).exists()
    for application in RepairApplication.objects.filter(subject__in=synthetic_people).select_related("record"):
        rule = DisplayRule.objects.get(tier=application.record.tier)
        assert repairable_from(application.record.decided_on, rule.min_months) <= today
