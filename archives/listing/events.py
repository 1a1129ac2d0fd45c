"""Payloads of ``listing.published`` and ``listing.removed`` (docs/exchange/README.md).

No free text travels (facts, objection, reasons may hold personal data the platform
does not need, as for case steps); the person is ``subject_id`` + ``subject_index``,
never the ID number.
"""

from __future__ import annotations

from typing import Any

from archives.listing.models import Listing
from exchange.outbox import emit


def listing_payload(listing: Listing, *, lineages: list[str]) -> dict[str, Any]:
    return {
        "listing_id": listing.pk,
        "reference": listing.reference,
        "state": listing.state,
        "category": listing.category,
        "department": listing.department.code,
        "occupation": listing.archive.occupation.code,
        "basis_lineages": lineages,
        "listed_from": listing.listed_from.isoformat() if listing.listed_from else None,
        "listed_until": listing.listed_until.isoformat() if listing.listed_until else None,
        "removal": listing.removal or None,
        "subject_id": str(listing.subject_id),
        "subject_index": listing.subject.id_number_index,
    }


def emit_listing_event(event_type: str, listing: Listing) -> None:
    lineages = sorted(str(b) for b in listing.basis.values_list("lineage", flat=True))
    emit(event_type, aggregate=listing, payload=listing_payload(listing, lineages=lineages))
