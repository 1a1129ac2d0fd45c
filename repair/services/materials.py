"""More material from the citizen while a case is open (补充材料)."""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.translation import gettext as _

from credit_portal.models import User
from repair import case_types, permissions
from repair.models import CaseFile
from repair.services import common

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
        common.step(locked, "files_added", by, note=str(len(checked)))
        return list(CaseFile.objects.filter(**case_types.owner_kwargs(locked)).exclude(pk__in=before))
