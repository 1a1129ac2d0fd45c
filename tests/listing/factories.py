"""A listing written straight to the tables, for tests of the pages that show listings
(the public list, query counts) that need states and dates the procedure takes weeks
to reach. The procedure itself is tested through the services (test_procedure.py)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone

from archives.listing.models import Listing, ListingBasis, ListingCategory
from archives.models import CreditRecord
from credit_portal.models import User


def make_listing(record: CreditRecord, *, by: User, **overrides: Any) -> Listing:
    today = timezone.localdate()
    archive = record.archive
    data: dict[str, Any] = {
        "reference": f"SXT{record.pk:08d}",
        "archive": archive, "subject": archive.subject, "department": archive.department,
        "category": ListingCategory.MARKET_AND_SOCIAL_ORDER, "facts": "事实。", "legal_basis": "依据。",
        "state": Listing.State.PUBLISHED, "proposed_by": by, "proposed_at": timezone.now(),
        "notified_on": today - timedelta(days=20), "objection_due": today - timedelta(days=10),
        "decided_at": timezone.now(), "listed_from": today - timedelta(days=5),
        "listed_until": today + timedelta(days=300),
    }
    data.update(overrides)
    listing = Listing.objects.create(**data)
    ListingBasis.objects.create(listing=listing, record=record, lineage=record.lineage)
    return listing
