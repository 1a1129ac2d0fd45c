"""Who may do what on the intake pages (imports, batch yearly findings). Pages, template
tags and the batch services ask these; nothing else decides intake access."""

from __future__ import annotations

from typing import TYPE_CHECKING

from archives import permissions as archive_permissions
from archives.intake.models import FindingBatch
from departments.models import Membership
from departments.scope import department_ids

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from credit_portal.models import User

    Actor = User | AnonymousUser | None

CLERK = Membership.Role.CLERK
REVIEWER = Membership.Role.REVIEWER


def can_use_intake_pages(user: Actor) -> bool:
    """Department staff and the credit office (DESIGN §6), as the archives pages."""
    return archive_permissions.can_use_staff_pages(user)


def import_department_ids(user: Actor) -> frozenset[int]:
    """The departments whose records ``user`` imports (a workbook, or a department system's
    account through the API): those where they are a clerk, as for a record by hand."""
    return department_ids(user, role=CLERK)


def can_import_for(user: Actor, department_id: int) -> bool:
    return department_id in import_department_ids(user)


def batch_department_ids(user: Actor) -> frozenset[int]:
    """The departments whose batches of yearly findings ``user`` drafts and signs: those
    where they are a reviewer (001 annex, 填表说明 1: the finding is the reviewer's)."""
    return department_ids(user, role=REVIEWER)


def can_draft_batches(user: Actor) -> bool:
    return bool(batch_department_ids(user))


def can_draft_batch_for(user: Actor, department_id: int) -> bool:
    return department_id in batch_department_ids(user)


def is_drafter(user: Actor, batch: FindingBatch) -> bool:
    return getattr(user, "pk", None) == batch.drafted_by_id


def can_sign_batch(user: Actor, batch: FindingBatch) -> bool:
    """Another reviewer of the batch's department than the one who drafted it (four eyes),
    while the batch is a draft."""
    return (
        batch.state == FindingBatch.State.DRAFT
        and not is_drafter(user, batch)
        and can_draft_batch_for(user, batch.department_id)
    )
