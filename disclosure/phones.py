"""Citizens' sign-in phone numbers: normalized, then kept only as a blind index.

A citizen signs in with their mobile number, yet no table holds it in clear (DESIGN §8,
"A raw SELECT shows no ID number"): the account's user name is a random handle and the
number is found through a keyed HMAC-SM3 blind index (``credit_portal.crypto``).
"""

from __future__ import annotations

import re
import secrets
import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from credit_portal.crypto import blind_index

MOBILE = re.compile(r"^1[3-9]\d{9}$")
HANDLE_PREFIX = "citizen-"


def as_mobile(value: object) -> str | None:
    """``value`` as an 11-digit mainland mobile number (full-width digits, spaces and a
    +86 prefix allowed), or None when it is not one."""
    if not isinstance(value, str) or len(value) > 40:
        return None
    text = "".join(unicodedata.normalize("NFKC", value).split()).replace("-", "").removeprefix("+86")
    return text if MOBILE.match(text) else None


def normalize_phone(value: str) -> str:
    phone = as_mobile(value)
    if phone is None:
        raise ValidationError({"phone": _("Enter an 11-digit mobile phone number, like 13912345678.")})
    return phone


def phone_index(phone: str) -> str:
    """The blind index of a normalized mobile number, for sign-in look-ups."""
    return blind_index(phone, purpose="sign_in_phone")


def new_citizen_handle() -> str:
    """A user name that says nothing about the person (never shown to them)."""
    return HANDLE_PREFIX + secrets.token_hex(6)
