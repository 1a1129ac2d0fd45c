"""Who may do what with units and their serious dishonesty: one predicate per action,
asked by the services (which raise ``PermissionDenied``), the views (403 early) and, as
flags, the templates. Four eyes are the archives' own predicates
(``archives.permissions.can_publish_record``, ``can_approve_change``): the unit's
dishonesty is a credit record in each named person's archive, proposed by a clerk
and published by another reviewer, so there is one four-eyes rule, not two. Scope
(whether a unit is visible at all, 404) stays in ``archives.units.selectors``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from archives import permissions as archive_permissions
from archives.models import CreditRecord, RecordChange
from archives.units.models import Unit, UnitDishonesty, UnitPerson
from departments.models import Membership
from departments.scope import department_ids

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from archives.units.selectors import DishonestyRow
    from credit_portal.models import User

    Actor = User | AnonymousUser | None

CLERK = Membership.Role.CLERK
REVIEWER = Membership.Role.REVIEWER


def departments_for_new_units(user: Actor) -> frozenset[int]:
    """The departments whose clerk ``user`` is: a clerk registers the units they keep."""
    return frozenset(department_ids(user, role=CLERK))


def can_register_unit(user: Actor) -> bool:
    return bool(departments_for_new_units(user))


def can_register_unit_for(user: Actor, department: object) -> bool:
    return getattr(department, "pk", None) in departments_for_new_units(user)


def can_change_people(user: Actor, unit: Unit) -> bool:
    """A clerk of the keeping department changes the unit's legal representative and
    responsible persons, as they registered the unit: it is a change of register data,
    not of a record, so no second person decides it (the records stay where they are)."""
    return unit.department_id in department_ids(user, role=CLERK)


def can_end_person(user: Actor, person: UnitPerson) -> bool:
    """A principal or directly responsible person still in the role may be taken out of it;
    the legal representative is replaced, never only removed (a unit always has one)."""
    return (
        person.ended_at is None
        and person.role != UnitPerson.Role.LEGAL_REPRESENTATIVE
        and can_change_people(user, person.unit)
    )


def can_record_dishonesty(user: Actor, unit: Unit) -> bool:
    """A clerk of the keeping department; each named person's archive is checked again by
    ``archives.services.draft_record`` (``can_enter_record``)."""
    return unit.department_id in department_ids(user, role=CLERK)


def is_proposer(user: Actor, item: UnitDishonesty) -> bool:
    return getattr(user, "pk", None) == item.proposed_by_id


def _reviewer_of_unit(user: Actor, item: UnitDishonesty) -> bool:
    return item.unit.department_id in department_ids(user, role=REVIEWER)


def _all_submitted(row: DishonestyRow) -> bool:
    return bool(row.records) and row.states == {CreditRecord.State.SUBMITTED}


def in_force(row: DishonestyRow) -> list[CreditRecord]:
    """The records of ``row`` still in force (a person's record may have ended on its own,
    e.g. repaired on that person's request)."""
    return [r for r in row.current_records if r.state == CreditRecord.State.PUBLISHED and r.is_current]


def can_approve_dishonesty(user: Actor, row: DishonestyRow) -> bool:
    """A reviewer of the keeping department who neither proposed nor wrote any of its
    records publishes them all (four eyes: ``archives.permissions.can_publish_record``)."""
    return (
        _all_submitted(row)
        and _reviewer_of_unit(user, row.item)
        and not is_proposer(user, row.item)
        and all(archive_permissions.can_publish_record(user, r) for r in row.current_records)
    )


def can_return_dishonesty(user: Actor, row: DishonestyRow) -> bool:
    return (
        _all_submitted(row)
        and _reviewer_of_unit(user, row.item)
        and all(archive_permissions.can_return_record(user, r) for r in row.current_records)
    )


def can_propose_withdrawal(user: Actor, row: DishonestyRow) -> bool:
    """Staff of the keeping department propose withdrawing the unit's dishonesty, which
    withdraws every record of it still in force (``archives.permissions.can_propose_change``)."""
    live = in_force(row)
    return (
        bool(live)
        and not row.pending_changes
        and row.item.unit.department_id in department_ids(user)
        and all(archive_permissions.can_propose_change(user, r) for r in live)
    )


def can_approve_withdrawal(user: Actor, row: DishonestyRow) -> bool:
    """Another reviewer than the proposer (``archives.permissions.can_approve_change``)."""
    pending = row.pending_changes
    return (
        bool(pending)
        and all(c.kind == RecordChange.Kind.WITHDRAWAL for c in pending)
        and _reviewer_of_unit(user, row.item)
        and all(archive_permissions.can_approve_change(user, c) for c in pending)
    )


def dishonesty_actions(user: Actor, row: DishonestyRow) -> dict[str, bool]:
    return {
        "approve": can_approve_dishonesty(user, row),
        "return": can_return_dishonesty(user, row),
        # The proposer is told that another reviewer decides (four eyes).
        "awaits_other_reviewer": is_proposer(user, row.item) and _all_submitted(row),
        "propose_withdrawal": can_propose_withdrawal(user, row),
        "approve_withdrawal": can_approve_withdrawal(user, row),
    }
