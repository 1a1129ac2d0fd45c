"""Querying institutions: registered by the credit office."""

from __future__ import annotations

from datetime import datetime

from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from archives import validators
from credit_portal import audit
from credit_portal.exceptions import TransitionNotAllowed
from credit_portal.models import User
from credit_portal.roles import ADMINISTRATOR_ROLES, DATA_ROLES, Role
from departments.models import Department
from disclosure import permissions
from disclosure.models import Institution, InstitutionAPIKey, InstitutionStaff


def _require_credit_office(by: User | None) -> None:
    if by is not None and not permissions.may_manage_institutions(by):
        raise PermissionDenied(_("Only the credit office registers querying institutions."))


def register_institution(
    *, name: str, credit_code: str, by: User | None, kind: str = Institution.Kind.ENTERPRISE,
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


def add_institution_staff(institution: Institution, user: User, *, by: User | None) -> InstitutionStaff:
    """Let ``user`` query on behalf of ``institution``. Callers: credit office staff.

    Never oneself, and never an account of the portal's staff (an administrator, a
    department member, the credit office, a superuser): querying a person's record on an
    institution's behalf is not any staff role's duty, and with it (and an API key the
    credit office issues to the institution's staff) the credit office could query as an
    institution and an administrator would reach people's data (三权分立, DESIGN §8).
    """
    _require_credit_office(by)
    if by is not None and user.pk == by.pk:
        raise ValidationError({"user": _("Nobody may make themselves an institution's staff.")})
    staff_roles = set(user.groups.values_list("name", flat=True)) & {*ADMINISTRATOR_ROLES, *DATA_ROLES}
    if user.is_superuser or staff_roles or user.memberships.exists():  # type: ignore[attr-defined]
        raise ValidationError(
            {"user": _("This account belongs to the portal's staff; an institution's staff needs an account of its own.")}
        )
    with transaction.atomic():
        staff, _created = InstitutionStaff.objects.update_or_create(user=user, defaults={"institution": institution})
        user.groups.add(Group.objects.get_or_create(name=str(Role.INSTITUTION))[0])
        audit.record(
            "disclosure.institution.staff_added", actor=by, target=institution, detail={"user": user.pk}
        )
    return staff


def issue_api_key(staff: InstitutionStaff, *, name: str, by: User, expires_at: datetime | None = None) -> tuple[InstitutionAPIKey, str]:
    """Issue an API key for ``staff``'s institution, acting as ``staff.user``. Returns
    the key row and the key itself, which exists nowhere else afterwards (only its
    hash is stored): the caller shows it once. Callers: credit office staff."""
    _require_credit_office(by)
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": _("Enter a name for the key, for example the system that will use it.")})
    if expires_at is not None and expires_at <= timezone.now():
        raise ValidationError({"expires_on": _("The expiry date must be in the future.")})
    with transaction.atomic():
        staff = InstitutionStaff.objects.select_for_update().select_related("institution", "user").get(pk=staff.pk)
        if not staff.institution.is_active or not staff.user.is_active:
            raise ValidationError(_("This institution or account is not active, so it cannot be given a key."))
        api_key, key = InstitutionAPIKey.objects.create_key(
            name=name[:50], institution=staff.institution, acts_as=staff.user,
            issued_by=by if getattr(by, "is_authenticated", False) else None, expiry_date=expires_at,
        )
        audit.record(
            "disclosure.api_key.issued", actor=by, target=staff.institution,
            detail={"key": api_key.prefix, "acts_as": staff.user_id},
        )
    return api_key, key


def revoke_api_key(api_key: InstitutionAPIKey, *, by: User) -> InstitutionAPIKey:
    """Revoke a key for good (it cannot be restored). Callers: credit office staff."""
    _require_credit_office(by)
    with transaction.atomic():
        locked = InstitutionAPIKey.objects.select_for_update().get(pk=api_key.pk)
        if locked.revoked:
            raise TransitionNotAllowed(_("This key has already been revoked."))
        locked.revoked = True
        locked.revoked_at = timezone.now()
        locked.save(update_fields=["revoked", "revoked_at"])
        audit.record(
            "disclosure.api_key.revoked", actor=by, target=locked.institution, detail={"key": locked.prefix}
        )
    return locked
