"""Sign-in by phone number for citizens, and the key django-axes counts failures by.

``PhoneBackend`` finds a citizen account through the blind index of the number typed
in the user-name box; staff and institution accounts keep signing in with their user
names through Django's ``ModelBackend``. ``axes_username`` gives django-axes a key
that is the account (its handle) when the number belongs to one, or a keyed digest of
the number otherwise: the attempt and access logs never hold a phone number.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.http import HttpRequest

from credit_portal.models import User, read_user
from disclosure.phones import as_mobile, phone_index


def user_for_phone(phone: str) -> User | None:
    return User.objects.filter(citizen_profile__phone_index=phone_index(phone)).first()


class PhoneBackend(ModelBackend):
    """Authenticate ``username`` = a mobile number against the account registered with it."""

    def authenticate(
        self, request: HttpRequest | None, username: str | None = None, password: str | None = None, **kwargs: Any
    ) -> User | None:
        phone = as_mobile(username)
        if phone is None or password is None:
            return None
        user = user_for_phone(phone)
        if user is None:
            # Same cost as a real check, so timing does not tell whether the number is known.
            User().set_password(password)
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None

    def get_user(self, user_id: Any) -> User | None:
        """``ModelBackend.get_user`` (the signed-in user of every request whose session this
        backend signed in): the same row, read as ``User.objects.get(pk=…)`` reads it."""
        user = read_user(user_id)
        return user if user is not None and self.user_can_authenticate(user) else None


def axes_username(request: HttpRequest | None, credentials: dict[str, Any] | None) -> str:
    """AXES_USERNAME_CALLABLE: the account key failures are counted and logged under."""
    raw = (credentials or {}).get("username")
    if raw is None and request is not None:
        raw = getattr(request, "POST", {}).get("username")
    if not isinstance(raw, str):
        return ""
    phone = as_mobile(raw)
    if phone is None:
        return raw[:150]
    user = user_for_phone(phone)
    # The account's handle when the number is registered (so a success resets the
    # count of that account), else a digest: never the number itself.
    return user.get_username() if user is not None else "phone:" + phone_index(phone)[:32]
