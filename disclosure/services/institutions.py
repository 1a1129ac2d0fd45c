"""Querying institutions: registered by the credit office (issue 5 deliverable 4)."""

from __future__ import annotations

from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from archives import validators
from credit_portal import audit
from credit_portal.models import User
from credit_portal.roles import Role
from departments.models import Department
from departments.scope import is_credit_office
from disclosure.models import Institution, InstitutionStaff


def _require_credit_office(by: object) -> None:
    if by is not None and not (is_credit_office(by) or getattr(by, "is_superuser", False)):
        raise PermissionDenied(_("Only the credit office registers querying institutions."))


def register_institution(
    *, name: str, credit_code: str, by: object, kind: str = Institution.Kind.ENTERPRISE,
    department: Department | None = None,
) -> Institution:
    """Register a querying institution. Callers: credit office staff (``by`` None only
    for the demo loader). The unified social credit code (GB 32100-2015) is checked with
    python-stdnum and is unique."""
    _require_credit_office(by)
    name = name.strip()
    if not name:
        raise ValidationError({"name": _("Enter the institution's name.")})
    try:
        code = validators.validate_unit_credit_code(credit_code)
    except ValidationError as exc:
        raise ValidationError({"credit_code": exc.messages}) from None
    try:
        with transaction.atomic():
            institution = Institution.objects.create(
                name=name, credit_code=code, kind=kind, department=department,
                created_by=by if getattr(by, "is_authenticated", False) else None,
            )
            audit.record("disclosure.institution.registered", actor=by, target=institution)
    except IntegrityError:
        raise ValidationError({"credit_code": _("An institution with this code is already registered.")}) from None
    return institution


def add_institution_staff(institution: Institution, user: User, *, by: object) -> InstitutionStaff:
    """Let ``user`` query on behalf of ``institution``. Callers: credit office staff."""
    _require_credit_office(by)
    with transaction.atomic():
        staff, _created = InstitutionStaff.objects.update_or_create(user=user, defaults={"institution": institution})
        user.groups.add(Group.objects.get_or_create(name=str(Role.INSTITUTION))[0])
        audit.record(
            "disclosure.institution.staff_added", actor=by, target=institution, detail={"user": user.pk}
        )
    return staff
