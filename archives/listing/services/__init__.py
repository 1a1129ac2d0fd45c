"""Writes of the listing procedure. Import from here: ``from archives.listing import services``."""

from archives.listing.services.procedure import answer_objection, decide_listing, file_objection, propose_listing
from archives.listing.services.punishment import mark_corrected, open_case, record_feedback
from archives.listing.services.removal import basis_record_ended, remove_due_listings, remove_listing

__all__ = [
    "answer_objection", "basis_record_ended", "decide_listing", "file_objection", "mark_corrected", "open_case",
    "propose_listing", "record_feedback", "remove_due_listings", "remove_listing",
]
