"""Who may do what in the listing procedure: one predicate per action, asked by the
services (which raise ``PermissionDenied``), the views (403 early) and, as flags, the
templates (DESIGN §6; archives.permissions is the pattern). Scope (whether a listing is
visible at all, 404) stays in ``archives.listing.selectors``.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from django.utils import timezone

from archives import permissions as archive_permissions
from archives.listing.models import CaseMeasure, Listing, PunishmentCase
from archives.models import Archive, Subject
from departments.models import Membership
from departments.scope import department_ids, is_credit_office

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from credit_portal.models import User

    Actor = User | AnonymousUser | None

CLERK = Membership.Role.CLERK
REVIEWER = Membership.Role.REVIEWER


def can_propose(user: Actor, archive: Archive) -> bool:
    """A clerk of a department that keeps the archive proposes."""
    return archive.state == Archive.State.OPEN and archive_permissions.has_role_on(user, archive, CLERK)


def is_of_department(user: Actor, listing: Listing, role: str | None = None) -> bool:
    return listing.department_id in department_ids(user, role=role)


def window_closed(listing: Listing, today: date | None = None) -> bool:
    """The objection window is over after its last day (《民法典》第二百零三条)."""
    return (today or timezone.localdate()) > listing.objection_due


def can_object(subject: Subject, listing: Listing) -> bool:
    """The person the proposed listing is about states their case once, within the
    window (国办发〔2020〕49号: 陈述申辩 before the decision)."""
    return (
        listing.subject_id == subject.pk and listing.state == Listing.State.PROPOSED and not listing.objected_at
        and not window_closed(listing)
    )


def can_answer_objection(user: Actor, listing: Listing) -> bool:
    """Staff of the proposing department answer the person's statement and defence."""
    return (
        listing.state == Listing.State.PROPOSED and bool(listing.objected_at) and not listing.answered_at
        and is_of_department(user, listing)
    )


def ready_for_decision(listing: Listing, today: date | None = None) -> bool:
    """The decision waits until the person has had their say: the window closed without
    an objection, or the objection was answered (国办发〔2020〕49号: objections handled)."""
    if listing.state != Listing.State.PROPOSED:
        return False
    if listing.objected_at:
        return listing.answered_at is not None
    return window_closed(listing, today)


def can_decide(user: Actor, listing: Listing) -> bool:
    """A reviewer of the proposing department who did not propose it (four eyes)."""
    return (
        ready_for_decision(listing) and is_of_department(user, listing, REVIEWER)
        and getattr(user, "pk", None) != listing.proposed_by_id
    )


def is_proposer(user: Actor, listing: Listing) -> bool:
    return getattr(user, "pk", None) == listing.proposed_by_id


def can_remove(user: Actor, listing: Listing) -> bool:
    """The credit office removes a published listing by hand, with a reason."""
    return listing.state == Listing.State.PUBLISHED and is_credit_office(user)


def can_respond(user: Actor, item: CaseMeasure) -> bool:
    """Staff of the measure's department record its response and feedback."""
    return (
        item.state == CaseMeasure.State.PENDING and item.case.state == PunishmentCase.State.OPEN
        and item.department_id in department_ids(user)
    )


def can_mark_corrected(user: Actor, case: PunishmentCase, today: date | None = None) -> bool:
    """The credit office records that the person corrected the conduct within the time
    limit (003 item 10)."""
    return (
        case.state == PunishmentCase.State.OPEN and is_credit_office(user)
        and (today or timezone.localdate()) <= case.correction_due
    )


def listing_actions(user: Actor, listing: Listing) -> dict[str, bool]:
    return {
        "answer": can_answer_objection(user, listing),
        "decide": can_decide(user, listing),
        "remove": can_remove(user, listing),
        "proposer": is_proposer(user, listing),
        "ready": ready_for_decision(listing),
    }
