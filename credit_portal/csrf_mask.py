"""The CSRF token's mask drawn from the same random source in one read, not 32.

Every page with a form (the sign-out button of every signed-in page) asks
``django.middleware.csrf.get_token``, which masks the session's CSRF secret with a fresh
random mask (BREACH). Django draws the mask with ``get_random_string``: ``secrets.choice``
per character, 32 reads of ``os.urandom`` and 32 bounded draws, then looks each
character up with ``str.index``: about 40 µs a page on the benchmark host, a tenth of the
signed-in floor beyond a bare view.

Here the mask comes from one ``secrets.token_bytes`` (``os.urandom``, the source
``secrets.choice`` reads) by rejection sampling: a byte below 248 (4 x 62) stands for
the character ``byte % 62``, each with probability exactly 1/62, a byte of 248 or more is
dropped, so every character of the mask is independent and uniform over the same 62
characters, as Django's. The cipher is Django's (each secret character shifted by its
mask character, modulo 62), looked up in a dict; the token is unmasked by Django's own
code, unchanged. ``install`` puts it in place of Django's ``_mask_cipher_secret``
(``CreditPortalConfig.ready``).
"""

from __future__ import annotations

import secrets

from django.middleware import csrf

_CHARS = csrf.CSRF_ALLOWED_CHARS
_COUNT = len(_CHARS)
_INDEX = {char: index for index, char in enumerate(_CHARS)}
# The largest multiple of 62 a byte can hold: bytes from here on would favour the first
# characters, so they are dropped.
_LIMIT = 256 - 256 % _COUNT
_LENGTH = csrf.CSRF_SECRET_LENGTH


def _mask_indexes() -> list[int]:
    drawn: list[int] = []
    while len(drawn) < _LENGTH:
        # 8 bytes over: 1 in 32 bytes is dropped, so one read almost always suffices.
        drawn.extend(byte % _COUNT for byte in secrets.token_bytes(_LENGTH + 8) if byte < _LIMIT)
    return drawn[:_LENGTH]


def mask_cipher_secret(secret: str) -> str:
    """Django's ``_mask_cipher_secret``: a random mask and the secret enciphered with it."""
    mask = _mask_indexes()
    chars, index = _CHARS, _INDEX
    return "".join([chars[m] for m in mask]) + "".join(
        [chars[(index[s] + m) % _COUNT] for s, m in zip(secret, mask, strict=True)]
    )


def install() -> None:
    # get_token looks the function up in its module at every call.
    csrf._mask_cipher_secret = mask_cipher_secret
