"""Who may do what with units and their serious dishonesty: one predicate per action,
asked by the services (which raise ``PermissionDenied``), the views (403 early) and, as
flags, the templates. Four eyes are the archives' own predicates
(``archives.permissions.can_publish_record``, ``can_approve_change``): the unit's
dishonesty is a credit record of the representative's archive, proposed by a clerk
and published by another reviewer, so there is one four-eyes rule, not two. Scope
(whether a unit is visible at all, 404) stays in ``archives.units.selectors``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from archives import permissions as archive_permissions
from archives.models import CreditRecord, RecordChange
from archives.units.models import Unit, UnitDishonesty
from departments.models import Membership
from departments.scope import department_ids

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

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


def can_see_representative_archive(user: Actor, unit: Unit) -> bool:
    """The link to the representative's archive is shown to whoever may see the archive."""
    return archive_permissions.can_view_archive(user, unit.representative_archive)


def can_record_dishonesty(user: Actor, unit: Unit) -> bool:
    """A clerk of the keeping department who may enter records in the representative's archive."""
    return unit.department_id in department_ids(user, role=CLERK) and archive_permissions.can_enter_record(
        user, unit.representative_archive
    )


def is_proposer(user: Actor, item: UnitDishonesty) -> bool:
    return getattr(user, "pk", None) == item.proposed_by_id


def _reviewer_of_unit(user: Actor, item: UnitDishonesty) -> bool:
    return item.unit.department_id in department_ids(user, role=REVIEWER)


def can_approve_dishonesty(user: Actor, item: UnitDishonesty, record: CreditRecord) -> bool:
    """A reviewer of the keeping department who neither proposed nor wrote it publishes the
    record (four eyes: ``archives.permissions.can_publish_record``)."""
    return (
        _reviewer_of_unit(user, item)
        and not is_proposer(user, item)
        and archive_permissions.can_publish_record(user, record)
    )


def can_return_dishonesty(user: Actor, item: UnitDishonesty, record: CreditRecord) -> bool:
    return _reviewer_of_unit(user, item) and archive_permissions.can_return_record(user, record)


def can_propose_withdrawal(
    user: Actor, item: UnitDishonesty, record: CreditRecord, pending: RecordChange | None
) -> bool:
    """Staff of the keeping department propose withdrawing the unit's dishonesty, which
    withdraws the propagated record (``archives.permissions.can_propose_change``)."""
    return (
        pending is None
        and item.unit.department_id in department_ids(user)
        and archive_permissions.can_propose_change(user, record)
    )


def can_approve_withdrawal(user: Actor, item: UnitDishonesty, pending: RecordChange | None) -> bool:
    """Another reviewer than the proposer (``archives.permissions.can_approve_change``)."""
    return (
        pending is not None
        and pending.kind == RecordChange.Kind.WITHDRAWAL
        and _reviewer_of_unit(user, item)
        and archive_permissions.can_approve_change(user, pending)
    )


def dishonesty_actions(
    user: Actor, item: UnitDishonesty, record: CreditRecord, pending: RecordChange | None
) -> dict[str, bool]:
    return {
        "approve": can_approve_dishonesty(user, item, record),
        "return": can_return_dishonesty(user, item, record),
        # The proposer is told that another reviewer decides (four eyes).
        "awaits_other_reviewer": is_proposer(user, item) and record.state == CreditRecord.State.SUBMITTED,
        "propose_withdrawal": can_propose_withdrawal(user, item, record, pending),
        "approve_withdrawal": can_approve_withdrawal(user, item, pending),
    }
