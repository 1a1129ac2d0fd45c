"""What the applicant does on their own open case: add material (补充材料) or withdraw it (撤回)."""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from archives import services as archive_services
from credit_portal.models import User
from exchange.outbox import emit
from repair import case_types, permissions
from repair.models import CaseFile
from repair.services import common
from repair.services.material_requests import settle_material_request

Case = case_types.Case


def add_case_files(case: Case, *, by: User, files: Iterable[UploadedFile]) -> list[CaseFile]:
    """The subject adds evidence to their own open case; every file is checked before
    anything is stored. Refused: someone else, a concluded case, no file, a bad file."""
    if not permissions.is_case_subject(by, case):
        raise PermissionDenied(_("Only the person concerned adds material to the case."))
    files = list(files)
    if not files:
        raise ValidationError({"files": _("Choose at least one file.")})
    checked = common.checked_files(files)
    with transaction.atomic():
        locked = common.lock(case)
        common.refuse_if_closed(locked)
        before = set(CaseFile.objects.filter(**case_types.owner_kwargs(locked)).values_list("pk", flat=True))
        common.store_files(locked, checked, kind=CaseFile.Kind.EVIDENCE, by=by)
        settle_material_request(locked)
        common.step(locked, "files_added", by, note=str(len(checked)))
        return list(CaseFile.objects.filter(**case_types.owner_kwargs(locked)).exclude(pk__in=before))


def withdraw_case(case: Case, *, by: User) -> Case:
    """The applicant withdraws their own open case (撤回). An objection's record loses its
    under-objection flag; the case is concluded as withdrawn and the platform is told.
    Refused: someone else, a concluded case."""
    if not permissions.is_case_subject(by, case):
        raise PermissionDenied(_("Only the person concerned withdraws the case."))
    case_type = case_types.of(case)
    with transaction.atomic():
        locked = common.lock(case)
        common.refuse_if_closed(locked)
        locked.state = locked.State.WITHDRAWN
        locked.concluded_at = timezone.now()
        locked.concluded_by = by
        locked.save(update_fields=["state", "concluded_at", "concluded_by"])
        record = common.current_version(locked.record)
        if case_type.flags_record:
            record = archive_services.set_objection_flag(record, flagged=False, by=by)
        common.step(locked, "withdrawn", by)
        emit(f"{case_type.event_prefix}.concluded", aggregate=locked,
             payload=case_types.service(case_type.concluded_payload)(locked, record, "withdrawn"))
        common.notify(locked, common.state_title(locked), _("You withdrew the case. You may file again at any time."))
    return locked
