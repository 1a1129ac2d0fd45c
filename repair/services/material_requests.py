"""The credit office asks the applicant for missing material (补正材料).

An incomplete application is not refused for what can be supplied: the office says at
once everything that is missing (《行政许可法》 art. 32: "一次告知申请人需要补正的全部
内容"), the applicant adds files on the case page, and the request is then settled.
The deadline does not move.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from credit_portal.exceptions import TransitionNotAllowed
from credit_portal.models import User
from repair import case_types, permissions
from repair.services import common

Case = case_types.Case


def request_material(case: Case, *, by: User, reason: str) -> Case:
    """Ask for missing material, saying all of it. Callers: the officer who may handle
    the open case. Refused: a request already standing, a concluded case, no reason."""
    reason = common.require_reason(reason)
    with transaction.atomic():
        locked = common.lock_open_case(case, by)
        if not permissions.may_request_material(by, locked):
            raise TransitionNotAllowed(_("Material has already been asked for; wait for the applicant's files."))
        locked.material_request = reason
        locked.material_requested_at = timezone.now()
        locked.save(update_fields=["material_request", "material_requested_at"])
        common.step(locked, "material_requested", by, note=reason)
        common.notify(locked, _("Please add material to your case"), _(
            "The credit office needs more material: %(reason)s Add it on your case page."
        ) % {"reason": reason})
    return locked


def settle_material_request(case: Case) -> None:
    """In the caller's transaction, once the applicant has added files."""
    if case.material_requested_at is not None:
        case.material_requested_at = None
        case.save(update_fields=["material_requested_at"])

