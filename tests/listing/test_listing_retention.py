"""A listing goes with its basis record at the 5-year retention limit.

《征信业管理条例》 art. 16: "超过5年的，应当予以删除". The purge deleted the record and the
listing's link to it, and kept the listing itself for good: its facts, legal basis, the
person's defence, the decision and the joint-punishment case all describe the deleted
record's dishonesty. They go with the record now, and the events that carried them out
of the portal are blanked; the listing's other basis records stay.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import time_machine

from archives import services as archive_services
from archives.listing.models import Listing, ListingBasis, PunishmentCase
from archives.models import CreditRecord, Notice
from credit_portal.models import AuditEntry
from exchange import delivery, schema
from exchange.models import OutboxEvent, PlatformLedgerEntry
from tests.listing.conftest import propose, publish, serious

pytestmark = pytest.mark.django_db


def _at(day: date) -> time_machine.travel:
    return time_machine.travel(day.isoformat() + " 10:00 +08:00", tick=False)


def test_the_listing_and_its_case_go_with_the_basis_record(world) -> None:
    with _at(date(2026, 9, 30)):
        first = serious(world)
        second = serious(world, title="另一条严重失信", decision_number="示教罚〔2026〕99号")
        listing = propose(world, [first, second])
    with _at(date(2026, 10, 14)):
        listing = publish(world, listing)
    assert PunishmentCase.objects.filter(listing=listing).exists()
    published = OutboxEvent.objects.get(event_type="listing.published", aggregate_id=str(listing.pk))
    assert "subject_id" in published.payload
    delivery.deliver_pending()  # the platform holds the listing's events

    # The first record's 5 years are over (its decision day + 5 years + 1 day); the
    # second was decided later.
    CreditRecord.objects.filter(pk=second.pk).update(decided_on=first.decided_on.replace(year=first.decided_on.year + 1))
    day = first.decided_on.replace(year=first.decided_on.year + 5)
    archive_services.purge_expired_negative_information(today=day)
    assert Listing.objects.filter(pk=listing.pk).exists()  # the last day
    archive_services.purge_expired_negative_information(today=day + timedelta(days=1))

    assert not CreditRecord.objects.filter(lineage=first.lineage).exists()
    assert not Listing.objects.filter(pk=listing.pk).exists()
    assert not PunishmentCase.objects.filter(listing_id=listing.pk).exists()
    assert not ListingBasis.objects.filter(listing_id=listing.pk).exists()
    assert CreditRecord.objects.filter(pk=second.pk).exists()  # its own 5 years run on
    published.refresh_from_db()
    assert "subject_id" not in published.payload
    assert published.payload["listing_id"] == listing.pk
    # record.purged names the listing's blanked events, and the platform blanks its
    # copies: they name the lineage only inside basis_lineages, which it cannot reach.
    purged = OutboxEvent.objects.get(event_type="record.purged")
    assert str(published.pk) in purged.payload["events"]
    assert schema.problem(schema.envelope_for(purged)) is None
    delivery.deliver_pending()
    assert "subject_id" not in PlatformLedgerEntry.objects.get(idempotency_key=published.pk).payload
    (entry,) = AuditEntry.objects.filter(action="archives.record.purged")
    assert "listing.listing" in entry.detail["rows"]


def test_the_notices_the_listing_sent_go_with_it_and_their_text_messages(world) -> None:
    """Each notice the listing sent the person (before listing: the facts and the records;
    the decision) went on naming the deleted dishonesty, and the text-message queue kept
    their titles with the person's number."""
    from credit_portal.models import SMSMessage

    with _at(date(2026, 9, 30)):
        first = serious(world)
        listing = propose(world, [first], facts="伪造学历证明骗取教师资格。")
    with _at(date(2026, 10, 14)):
        listing = publish(world, listing)
    subject = world.archive.subject
    sent = list(Notice.objects.filter(subject=subject).values_list("pk", flat=True))
    assert Notice.objects.filter(subject=subject, body__contains="伪造学历证明骗取教师资格").exists()
    assert SMSMessage.objects.filter(key__in=[f"notice:{pk}" for pk in sent]).exists()
    archive_services.purge_expired_negative_information(
        today=first.decided_on.replace(year=first.decided_on.year + 5) + timedelta(days=1))
    assert not Listing.objects.filter(pk=listing.pk).exists()
    assert list(Notice.objects.filter(subject=subject).values_list("title", "body")) == []
    assert not SMSMessage.objects.filter(key__in=[f"notice:{pk}" for pk in sent]).exists()
