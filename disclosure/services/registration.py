"""Citizen registration: proof by one-time code, the link of an account to one subject.

Nobody claims a record with an ID number alone: the one-time
code goes to the phone a department has on file for the subject (``Subject.phone``),
not to a number the applicant types. Registration answers the same whether or not
the person exists (the SMS is sent only when name and number match a subject with a
phone on file). Codes: 6 digits, 5 minutes, single use, at most 5 attempts counted
with a conditional UPDATE, stored only as HMAC-SM3 bound to the registration row.
"""

from __future__ import annotations

import hmac
import secrets
import uuid
from datetime import timedelta

from django.contrib.auth import password_validation
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from archives import validators
from archives.models import Subject
from archives.services.subjects import subject_index_for
from credit_portal import audit, ratelimit
from credit_portal.crypto import blind_index
from credit_portal.exceptions import DomainError
from credit_portal.models import User
from credit_portal.notify import queue_sms
from credit_portal.roles import Role
from disclosure import conf, permissions
from disclosure.models import CitizenProfile, PendingRegistration
from disclosure.phones import as_mobile, new_citizen_handle, normalize_phone, phone_index
from disclosure.sso import VerifiedIdentity


class CodeRefused(DomainError):
    """The one-time code was wrong, expired, used or out of attempts. ``reason`` says
    which, for the log; the page shows one message for all of them."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason

    @property
    def message(self) -> str:
        """What the code field says: start again when the code can no longer be used,
        otherwise check the text message (a wrong or a used code read the same)."""
        if self.reason == "expired_or_locked":
            return _("This code has expired or too many wrong codes were entered. Start again.")
        return _("The code is not right. Check the text message and try again.")


def _code_digest(registration_id: object, code: str) -> str:
    return blind_index(f"{registration_id}:{code}", purpose="registration_code")


def start_registration(
    *, name: str, id_number: str, phone: str, password: str, request: HttpRequest | None = None
) -> PendingRegistration:
    """Record a registration attempt and, when the name and number match a subject with
    a phone on file, send that phone a one-time code.

    Callers: anyone (the sign-up page). Validates formats first (an invalid ID number
    is a typing error, not a probe), then behaves identically whether or not a subject
    matched: a row is written and the caller is sent to the code page either way.
    """
    errors: dict[str, list[str]] = {}
    name = name.strip()
    if not name:
        errors.setdefault("name", []).append(_("Enter your name as on your ID card."))
    try:
        number = validators.validate_id_number(id_number)
    except ValidationError as exc:
        errors.setdefault("id_number", []).extend(exc.messages)
        number = ""
    try:
        sign_in_phone = normalize_phone(phone)
    except ValidationError as exc:
        errors.update(exc.message_dict)
        sign_in_phone = ""
    try:
        password_validation.validate_password(password, User(username=sign_in_phone, full_name=name))
    except ValidationError as exc:
        errors.setdefault("password", []).extend(exc.messages)
    if errors:
        raise ValidationError(errors)

    subject = Subject.objects.filter(id_number_index=subject_index_for(number)).first()
    matched = subject is not None and subject.name == name and bool(subject.phone)
    now = timezone.now()
    code = f"{secrets.randbelow(10**6):06d}"
    with transaction.atomic():
        pending = PendingRegistration(
            subject=subject if matched else None,
            phone_index=phone_index(sign_in_phone),
            password_hash=make_password(password),
            created_at=now,
            expires_at=now + timedelta(seconds=conf.get("DISCLOSURE_OTP_TTL_SECONDS")),
        )
        pending.code_hash = _code_digest(pending.id, code) if matched else ""
        pending.save(force_insert=True)
        audit.record(
            "disclosure.registration.started",
            target=pending,
            subject_ref=str(subject.pk) if matched else "",
            detail={"matched": matched},
            request=request,
        )
        if matched:
            send_code(subject.phone, code, key=f"registration:{pending.pk}")
    return pending


def send_code(phone: str, code: str, *, key: str) -> bool:
    """Queue a one-time code to ``phone`` unless one went to that phone within the
    cooldown (``DISCLOSURE_OTP_COOLDOWN_SECONDS``): a stranger cannot flood a person's
    phone with codes. The caller's page answers the same either way; the person asks
    again after the cooldown. Returns whether a code was queued."""
    cooldown = conf.get("DISCLOSURE_OTP_COOLDOWN_SECONDS")
    if not ratelimit.hit("otp-phone", phone_index(phone), limit=1, window=cooldown):
        return False
    minutes = conf.get("DISCLOSURE_OTP_TTL_SECONDS") // 60
    message = _(
        "Your verification code is %(code)s, valid for %(minutes)s minutes. "
        "If you did not ask for it, ignore this message."
    ) % {"code": code, "minutes": minutes}
    queue_sms(phone, message, key=key)
    return True


def verify_registration(pending_id: object, code: str, *, request: HttpRequest | None = None) -> User:
    """Check the one-time code and, if right, create the citizen account linked to the
    subject. Raises ``CodeRefused`` (wrong, expired, used, too many attempts).

    The attempt is counted in its own committed transaction *before* the code is
    compared, with a conditional UPDATE, so concurrent guesses cannot exceed the cap
    and a failed comparison cannot roll the count back.
    """
    try:
        pending_id = uuid.UUID(str(pending_id))
    except ValueError:
        raise CodeRefused("expired_or_locked") from None
    now = timezone.now()
    code = "".join((code or "").split())
    counted = PendingRegistration.objects.filter(
        pk=pending_id, used_at__isnull=True, expires_at__gt=now, attempts__lt=conf.get("DISCLOSURE_OTP_MAX_ATTEMPTS")
    ).update(attempts=F("attempts") + 1)
    if not counted:
        _audit_refusal(pending_id, "expired_or_locked", request)
        raise CodeRefused("expired_or_locked")
    pending = PendingRegistration.objects.select_related("subject").get(pk=pending_id)
    if pending.subject is None or not hmac.compare_digest(pending.code_hash, _code_digest(pending.pk, code)):
        _audit_refusal(pending_id, "wrong_code", request, subject=pending.subject)
        raise CodeRefused("wrong_code")
    with transaction.atomic():
        # Single use: only the request that flips used_at proceeds.
        if not PendingRegistration.objects.filter(pk=pending.pk, used_at__isnull=True).update(used_at=now):
            raise CodeRefused("used")
        user = _create_citizen(
            pending.subject, phone_index=pending.phone_index, password_hash=pending.password_hash,
            method=CitizenProfile.Method.SMS, request=request,
        )
    return user


def _audit_refusal(pending_id: object, reason: str, request: HttpRequest | None, *, subject: Subject | None = None) -> None:
    audit.record(
        "disclosure.registration.code_refused",
        subject_ref=str(subject.pk) if subject is not None else "",
        detail={"reason": reason, "registration": str(pending_id)},
        request=request,
    )


def _create_citizen(
    subject: Subject, *, phone_index: str | None, password_hash: str, method: str, request: HttpRequest | None
) -> User:
    if CitizenProfile.objects.filter(subject=subject).exists():
        raise ValidationError(_("You already have an account. Sign in with the phone number you registered."))
    if phone_index and CitizenProfile.objects.filter(phone_index=phone_index).exists():
        raise ValidationError(_("This phone number is already used by another account. Sign in instead."))
    try:
        with transaction.atomic():
            user = User(username=new_citizen_handle(), full_name=subject.name, password=password_hash)
            user.save(force_insert=True)
            user.groups.add(Group.objects.get_or_create(name=str(Role.CITIZEN))[0])
            profile = CitizenProfile.objects.create(
                user=user, subject=subject, verified_at=timezone.now(), method=method, phone_index=phone_index or None
            )
    except IntegrityError:
        # A concurrent registration of the same person or phone won the race.
        raise ValidationError(_("You already have an account. Sign in with the phone number you registered.")) from None
    audit.record(
        "disclosure.citizen.linked", actor=user, target=profile, subject_ref=str(subject.pk),
        detail={"method": method}, request=request,
    )
    return user


def link_verified_identity(identity: VerifiedIdentity, *, request: HttpRequest | None = None) -> User:
    """Create the account of a citizen whose identity a government single sign-on
    provider asserted (``disclosure.sso``). The provider has proven who they are,
    so telling them there is no archive reveals nothing to anyone else."""
    number = validators.validate_id_number(identity.id_number)
    subject = Subject.objects.filter(id_number_index=subject_index_for(number)).first()
    if subject is None or subject.name != identity.name.strip():
        raise ValidationError(_("No credit archive is kept for you in this portal."))
    with transaction.atomic():
        user = _create_citizen(
            subject, phone_index=None, password_hash=make_password(None), method=CitizenProfile.Method.OIDC,
            request=request,
        )
    return user


def link_citizen(user: User, subject: Subject, *, by: User | None, method: str = CitizenProfile.Method.ADMIN) -> CitizenProfile:
    """Link an existing account to a subject after an in-person check by the credit
    office (or the demo loader). Callers: credit office staff."""
    if by is not None and not permissions.may_link_citizens(by):
        raise ValidationError(_("Only the credit office links accounts to people in person."))
    # The phone on file becomes the sign-in number, unless another account has it.
    index = phone_index(subject.phone) if subject.phone and as_mobile(subject.phone) else None
    if index and CitizenProfile.objects.filter(phone_index=index).exists():
        index = None
    with transaction.atomic():
        profile = CitizenProfile.objects.create(
            user=user, subject=subject, verified_at=timezone.now(), method=method, phone_index=index
        )
        user.groups.add(Group.objects.get_or_create(name=str(Role.CITIZEN))[0])
        audit.record(
            "disclosure.citizen.linked", actor=by, target=profile, subject_ref=str(subject.pk), detail={"method": method}
        )
    return profile
