"""Payloads of ``listing.published``, ``listing.removed`` and ``punishment.updated``
(docs/exchange/README.md).

No free text travels (facts, objection, reasons may hold personal data the platform
does not need, as for case steps); the person is ``subject_id`` + ``subject_index``,
never the ID number.
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from archives.listing.models import CaseMeasure, Listing, PunishmentCase
from credit_portal import generations
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
    # The cached public list names this generation in its key (a listing published or removed).
    generations.advance_on_commit("listings")


def case_payload(case: PunishmentCase, *, step: str, measure: CaseMeasure | None = None) -> dict[str, Any]:
    """One step of a joint-punishment case (003 item 6: 发起、响应、惩戒、反馈). Every event
    carries the state of each measure after the step, so the platform needs no earlier
    event to know where the case stands. No free text (feedback, outcome) travels."""
    listing = case.listing
    items = CaseMeasure.objects.filter(case=case).select_related("measure", "department").order_by("id")
    return {
        "case_id": case.pk,
        "listing_id": listing.pk,
        "reference": listing.reference,
        "step": step,
        "state": case.state,
        "category": listing.category,
        "correction_due": case.correction_due.isoformat(),
        "measure": measure.measure.code if measure is not None else None,
        "measures": [
            {
                "measure": item.measure.code,
                "department": item.department.code,
                "state": item.state,
                "feedback_due": item.feedback_due.isoformat(),
                "responded_at": item.responded_at.isoformat() if item.responded_at else None,
            }
            for item in items
        ],
        "occurred_at": timezone.now().isoformat(),
        "subject_id": str(listing.subject_id),
        "subject_index": listing.subject.id_number_index,
    }


def emit_case_event(case: PunishmentCase, *, step: str, measure: CaseMeasure | None = None) -> None:
    """``punishment.updated``: the case was opened, a department recorded its feedback on
    one measure, the person corrected the conduct in time, or the case closed."""
    emit("punishment.updated", aggregate=case, payload=case_payload(case, step=step, measure=measure))
