"""Citizens reset a forgotten password with a one-time code to the phone on file.

The citizen types the mobile number they sign in with; when it belongs to an account,
a code goes to the phone the department holds for that person (``Subject.phone``), as
at registration: whoever asks must hold that phone. The answer is the same whether or
not the number belongs to an account (a row is written either way, no code is sent
for an unknown number), codes are single use, short-lived, attempts capped with a
conditional UPDATE, kept only as HMAC-SM3 digests, and one code per phone per minute
at most (``registration.send_code``).
"""

from __future__ import annotations

import hmac
import secrets
import uuid
from datetime import timedelta

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.http import HttpRequest
from django.utils import timezone

from credit_portal import audit
from credit_portal.crypto import blind_index
from credit_portal.models import User
from disclosure import conf
from disclosure.auth import user_for_phone
from disclosure.models import PasswordReset
from disclosure.phones import normalize_phone
from disclosure.services.registration import CodeRefused, send_code


def _digest(reset_id: object, code: str) -> str:
    return blind_index(f"{reset_id}:{code}", purpose="password_reset_code")


def start_password_reset(*, phone: str, request: HttpRequest | None = None) -> PasswordReset:
    """Record a reset request and, when ``phone`` signs in to a citizen account whose
    person has a phone on file, send that phone a one-time code. Callers: anyone."""
    number = normalize_phone(phone)
    user = user_for_phone(number)
    subject = getattr(getattr(user, "citizen_profile", None), "subject", None) if user else None
    matched = user is not None and user.is_active and subject is not None and bool(subject.phone)
    now = timezone.now()
    code = f"{secrets.randbelow(10**6):06d}"
    with transaction.atomic():
        reset = PasswordReset(
            user=user if matched else None, created_at=now,
            expires_at=now + timedelta(seconds=conf.get("DISCLOSURE_OTP_TTL_SECONDS")),
        )
        reset.code_hash = _digest(reset.id, code) if matched else ""
        reset.save(force_insert=True)
        audit.record(
            "disclosure.password_reset.started", actor=user if matched else None, target=reset,
            subject_ref=str(subject.pk) if matched else "", detail={"matched": matched}, request=request,
        )
        if matched:
            send_code(subject.phone, code, key=f"password-reset:{reset.pk}")
    return reset


def complete_password_reset(
    reset_id: object, *, code: str, password: str, request: HttpRequest | None = None
) -> User:
    """Check the code and set the new password. Raises ``ValidationError`` (password
    rules, field ``password``) before the code is tried, and ``CodeRefused`` for a
    wrong, expired, used or over-tried code. The attempt is counted in its own commit
    before the comparison, so concurrent guesses cannot exceed the cap."""
    try:
        reset_id = uuid.UUID(str(reset_id))
    except ValueError:
        raise CodeRefused("expired_or_locked") from None
    reset = PasswordReset.objects.select_related("user").filter(pk=reset_id).first()
    try:
        password_validation.validate_password(password, reset.user if reset and reset.user else None)
    except ValidationError as exc:
        raise ValidationError({"password": exc.messages}) from None
    now = timezone.now()
    code = "".join((code or "").split())
    counted = PasswordReset.objects.filter(
        pk=reset_id, used_at__isnull=True, expires_at__gt=now, attempts__lt=conf.get("DISCLOSURE_OTP_MAX_ATTEMPTS")
    ).update(attempts=F("attempts") + 1)
    if not counted or reset is None:
        _refused(reset_id, "expired_or_locked", request)
        raise CodeRefused("expired_or_locked")
    if reset.user is None or not hmac.compare_digest(reset.code_hash, _digest(reset.pk, code)):
        _refused(reset_id, "wrong_code", request)
        raise CodeRefused("wrong_code")
    with transaction.atomic():
        if not PasswordReset.objects.filter(pk=reset.pk, used_at__isnull=True).update(used_at=now, verified_at=now):
            raise CodeRefused("used")
        user = User.objects.select_for_update().get(pk=reset.user_id)
        user.set_password(password)
        user.save(update_fields=["password"])
        audit.record(
            "disclosure.password_reset.completed", actor=user, target=reset,
            subject_ref=str(user.citizen_profile.subject_id), request=request,
        )
    # A reset by the owner of the phone on file ends any lock-out of the account.
    from axes.utils import reset as axes_reset

    axes_reset(username=user.get_username())
    return user


def _refused(reset_id: object, reason: str, request: HttpRequest | None) -> None:
    audit.record(
        "disclosure.password_reset.code_refused", detail={"reason": reason, "reset": str(reset_id)}, request=request
    )
