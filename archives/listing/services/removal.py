"""Exit from the list (国办发〔2020〕49号: exit conditions and period).

- the period ends: ``remove_due_listings`` (the daily task) removes every listing whose
  ``listed_until`` has passed;
- the basis ends: the record services call ``basis_record_ended`` (registered with
  ``archives.hooks``) when a basis record is repaired, withdrawn, expired or
  corrected into something that is no longer serious negative information; a listing
  with no basis left in effect is removed (published) or closed as not listed (still
  proposed);
- the credit office removes a listing by hand, with a reason.

Each removal is audited, emits ``listing.removed``, tells the person, and closes the
joint-punishment case with its measures lifted.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from archives.listing import permissions, selectors
from archives.listing.events import emit_listing_event
from archives.listing.models import Listing, ListingBasis
from archives.listing.services.common import audit_listing, lock, notify_listed_person
from archives.models import CreditRecord, Notice
from credit_portal.batches import in_locked_batches
from credit_portal.exceptions import TransitionNotAllowed

if TYPE_CHECKING:
    from credit_portal.models import User


def _remove(locked: Listing, *, kind: str, reason: str, by: User | None) -> Listing:
    from archives.listing.services.punishment import close_case

    locked.state, locked.removal, locked.removal_reason = Listing.State.REMOVED, kind, reason
    locked.removed_by, locked.removed_at = by, timezone.now()
    locked.save(update_fields=["state", "removal", "removal_reason", "removed_by", "removed_at"])
    audit_listing("removed", locked, by, removal=kind)
    emit_listing_event("listing.removed", locked)
    close_case(locked, by=by)
    notify_listed_person(
        locked, kind=Notice.Kind.CASE_UPDATE, title=_("You have been removed from the serious dishonesty list"),
        body=_("Listing %(reference)s ended on %(day)s: %(why)s") % {
            "reference": locked.reference, "day": timezone.localdate(), "why": locked.get_removal_display(),
        },
    )
    return locked


def remove_listing(listing: Listing, *, by: User, reason: str) -> Listing:
    """Remove a published listing by hand. Callers: the credit office, with a reason."""
    if not (reason or "").strip():
        raise ValidationError({"reason": _("Say why the listing is removed.")})
    with transaction.atomic():
        locked = lock(listing)
        if locked.state != Listing.State.PUBLISHED:
            raise TransitionNotAllowed(_("Only a listing on the list can be removed."))
        if not permissions.can_remove(by, locked):
            raise PermissionDenied(_("Only the credit office removes a listing by hand."))
        return _remove(locked, kind=Listing.Removal.MANUAL, reason=reason.strip(), by=by)


def remove_due_listings(*, today: date | None = None) -> int:
    """Remove every published listing whose period is over (``listed_until`` before
    ``today``). The daily task calls this; safe to run twice (rows are locked and
    re-checked, ``skip_locked`` lets two runs share the work)."""
    today = today or timezone.localdate()
    due = Listing.objects.filter(state=Listing.State.PUBLISHED, listed_until__lt=today).select_related(
        "archive__occupation", "subject", "department"
    )
    return in_locked_batches(
        due, 200, lambda listing: _remove(listing, kind=Listing.Removal.PERIOD_END, reason="", by=None)
    )


def basis_record_ended(record: CreditRecord, *, reason: str, current: CreditRecord | None, by: User | None) -> None:
    """``archives.hooks`` callback, in the record transition's transaction.

    A corrected record whose new version is still serious negative information, of
    conduct when the person was an adult, keeps the listing; otherwise (a correction
    showing they were under 18 included: never on a public list, 003 item 10) the basis
    row is marked ended, and a listing none of whose basis records remains in effect
    leaves the list."""
    if (current is not None and current.is_negative and current.severity == CreditRecord.Severity.SERIOUS
            and not current.subject_was_minor):
        return
    basis = ListingBasis.objects.filter(
        lineage=record.lineage, ended=False, listing__state__in=[Listing.State.PROPOSED, Listing.State.PUBLISHED]
    )
    listing_ids = list(basis.values_list("listing_id", flat=True))
    if not listing_ids:
        return
    basis.update(ended=True)
    for listing in Listing.objects.filter(pk__in=listing_ids).order_by("pk"):
        locked = lock(listing)
        if ListingBasis.objects.filter(listing=locked, ended=False).exists() and selectors.basis_in_force(locked):
            continue
        text = _("The record it rests on was %(how)s.") % {"how": CreditRecord.State(record.state).label} \
            if reason != "corrected" else _("The record it rests on was corrected.")
        if locked.state == Listing.State.PUBLISHED:
            _remove(locked, kind=Listing.Removal.BASIS_ENDED, reason=str(text), by=by)
        elif locked.state == Listing.State.PROPOSED:
            locked.state, locked.decision_reason, locked.decided_at = Listing.State.NOT_LISTED, str(text), timezone.now()
            locked.save(update_fields=["state", "decision_reason", "decided_at"])
            audit_listing("not_listed", locked, by, basis_ended=reason)
            notify_listed_person(
                locked, kind=Notice.Kind.CASE_UPDATE, title=_("You will not be listed"),
                body=_("Decision on %(reference)s: not listed. Reasons: %(reason)s") % {
                    "reference": locked.reference, "reason": text,
                },
            )
