"""What the listing services share: locking, the audit entry, the reference."""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING, Any

from django.utils import timezone

from archives.listing.models import Listing
from credit_portal import audit

if TYPE_CHECKING:
    from credit_portal.models import User


def lock(listing: Listing) -> Listing:
    return (
        Listing.objects.select_for_update(of=("self",))
        .select_related("archive__occupation", "subject", "department")
        .get(pk=listing.pk)
    )


def audit_listing(action: str, listing: Listing, by: User | None, **detail: Any) -> None:
    audit.record(f"listing.listing.{action}", actor=by, target=listing, subject_ref=str(listing.subject_id),
                 detail=detail or None)


def notify_listed_person(listing: Listing, **notice: Any) -> None:
    """``notify_subject`` for the person ``listing`` concerns, the notice linked to the
    listing (``ListingNotice``) so that the retention purge takes it with the listing."""
    from archives.listing.models import ListingNotice
    from archives.services.notices import notify_subject

    sent = notify_subject(listing.subject, **notice)
    ListingNotice.objects.create(listing=listing, notice=sent)


def new_reference() -> str:
    """``SX`` + date + a random part: unique (the column says so), unguessable, no count of
    how many people are proposed leaks through it."""
    return f"SX{timezone.localdate():%y%m%d}{secrets.token_hex(3).upper()}"
