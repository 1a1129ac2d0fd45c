"""Validation of identifiers with python-stdnum rather than hand-written checksums."""

from __future__ import annotations

import functools
from datetime import date

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from stdnum import exceptions as stdnum_errors
from stdnum.cn import ric, uscc

from credit_portal.crypto import normalize_id_number


@functools.lru_cache(maxsize=8192)
def _region_known(region: str, year: int) -> bool:
    """stdnum's region check (``ric.get_birth_place``) for a region code and birth year:
    the same answer for every number sharing them, so it is asked once per pair (a bulk
    import checks a hundred thousand numbers from a few hundred regions)."""
    try:
        ric.get_birth_place(f"{region}{year:04d}0101000")
    except stdnum_errors.InvalidComponent:
        return False
    return True


def _stdnum_validate(number: str) -> date:
    """``ric.validate`` step by step (length, digits, check digit, birth date, region),
    with the region look-up cached; raises the same stdnum exceptions. Returns the
    birth date."""
    if len(number) != 18:
        raise stdnum_errors.InvalidLength()
    if not number[:-1].isdigit() or not number[:-1].isascii():
        raise stdnum_errors.InvalidFormat()
    if number[-1] != ric.calc_check_digit(number):
        raise stdnum_errors.InvalidChecksum()
    # ``ric.get_birth_date`` without its ``compact`` (stdnum's character-by-character
    # cleaning), which cannot change 17 ASCII digits and a matching check character.
    try:
        birth = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise stdnum_errors.InvalidComponent() from None
    if not _region_known(number[:6], birth.year):
        raise stdnum_errors.InvalidComponent()
    return birth


def validate_id_number(value: str, *, today: date | None = None) -> str:
    """Validate an 18-digit resident ID number (GB 11643-1999) and return it normalized.

    Checks the check digit, that the birth date exists and is not in the future, and
    that the region code is known to stdnum's table (for the birth year). A bulk caller
    passes ``today`` once per file instead of asking the clock per number.
    """
    number = normalize_id_number(value)
    if len(number) != 18:
        raise ValidationError(_("Enter the 18-character resident ID number."), code="id_length")
    try:
        birth = _stdnum_validate(number)
    except stdnum_errors.InvalidChecksum:
        raise ValidationError(
            _("The ID number's check digit is wrong: check every digit."), code="id_checksum"
        ) from None
    except stdnum_errors.InvalidComponent:
        raise ValidationError(
            _("The ID number contains a birth date or region code that does not exist."), code="id_component"
        ) from None
    except stdnum_errors.ValidationError:
        raise ValidationError(_("Enter a valid resident ID number."), code="id_invalid") from None
    if birth > (today or timezone.localdate()):
        raise ValidationError(_("The ID number's birth date is in the future."), code="id_future")
    return number


def birth_date_of(number: str) -> date:
    """The birth date of a number as ``validate_id_number`` returns it (digits 7 to 14;
    what ``ric.get_birth_date`` reads, without normalizing the number again)."""
    return date(int(number[6:10]), int(number[10:12]), int(number[12:14]))


def gender_of(number: str) -> str:
    # GB 11643-1999: the 17th digit is odd for men and even for women.
    return "male" if int(number[16]) % 2 == 1 else "female"


def masked_id_number(number: str) -> str:
    """First 4 and last 4 characters, the rest as asterisks (DESIGN §6 public lists)."""
    return f"{number[:4]}{'*' * (len(number) - 8)}{number[-4:]}"


def validate_unit_credit_code(value: str) -> str:
    """Validate an 18-character unified social credit code (GB 32100-2015)."""
    code = normalize_id_number(value)
    try:
        return uscc.validate(code)
    except stdnum_errors.ValidationError:
        raise ValidationError(
            _("Enter a valid 18-character unified social credit code."), code="uscc_invalid"
        ) from None


def validate_not_future(value: date, *, field: str) -> None:
    if value > timezone.localdate():
        raise ValidationError({field: _("The date cannot be in the future.")}, code="future_date")
