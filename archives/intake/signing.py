"""Signed requests of department systems: HMAC-SM3 over method, path,
query, timestamp, nonce and body, with a replay window.

The string signed is, in UTF-8::

    <METHOD>\\n<path>\\n<query string>\\n<timestamp>\\n<nonce>\\n<body bytes>

with the Unix ``timestamp`` in whole seconds and a fresh random ``nonce`` (16–64
characters of [A-Za-z0-9_-]). Headers: ``X-Credit-Key`` (the key id), ``X-Credit-Timestamp``,
``X-Credit-Nonce``, ``X-Credit-Signature: hmac-sm3=<hex>``. The same HMAC-SM3
(GB/T 32905 SM3 in RFC 2104 HMAC, from ``cryptography``) and the same
``hmac-sm3=`` header format as the exchange's platform deliveries
(``exchange/signing.py``); that module is not imported here because the archives
layer may not depend on the exchange's internals (tests/test_layering.py). A request
older than ``INTAKE_API_MAX_AGE_SECONDS`` or as far in the future is stale; a nonce
seen within twice that window is a replay (kept in the cache, Redis in production).
"""

from __future__ import annotations

import re
import secrets
import time

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, hmac
from django.core.cache import cache

from archives.intake import conf

KEY_HEADER = "X-Credit-Key"
TIMESTAMP_HEADER = "X-Credit-Timestamp"
NONCE_HEADER = "X-Credit-Nonce"
SIGNATURE_HEADER = "X-Credit-Signature"
PREFIX = "hmac-sm3="
_NONCE = re.compile(r"^[A-Za-z0-9_-]{16,64}$")


class SignatureRefused(Exception):  # noqa: N818 - a refusal with a code
    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def message(method: str, path: str, query: str, timestamp: str, nonce: str, body: bytes) -> bytes:
    return f"{method.upper()}\n{path}\n{query}\n{timestamp}\n{nonce}\n".encode() + body


def _mac(secret: str, data: bytes) -> hmac.HMAC:
    mac = hmac.HMAC(secret.encode("utf-8"), hashes.SM3())
    mac.update(data)
    return mac


def sign(*, method: str, path: str, body: bytes, key_id: str, secret: str, query: str = "",
         timestamp: int | None = None, nonce: str | None = None) -> dict[str, str]:
    """The headers a department system sends (used by tests, the docs' example and clients)."""
    stamp = str(int(time.time()) if timestamp is None else timestamp)
    nonce = nonce or secrets.token_urlsafe(18)
    digest = _mac(secret, message(method, path, query, stamp, nonce, body)).finalize().hex()
    return {KEY_HEADER: key_id, TIMESTAMP_HEADER: stamp, NONCE_HEADER: nonce, SIGNATURE_HEADER: PREFIX + digest}


def verify(*, method: str, path: str, query: str, body: bytes, timestamp: str, nonce: str, signature: str,
           secret: str, replay_scope: str, now: float | None = None) -> None:
    """Raise ``SignatureRefused`` with a code unless the request is authentic, fresh and new."""
    if not timestamp.isdigit() or len(timestamp) > 12:
        raise SignatureRefused("bad_timestamp")
    window = conf.number("INTAKE_API_MAX_AGE_SECONDS")
    age = (time.time() if now is None else now) - int(timestamp)
    if abs(age) > window:
        raise SignatureRefused("stale_timestamp")
    if not _NONCE.match(nonce):
        raise SignatureRefused("bad_nonce")
    if not signature.startswith(PREFIX):
        raise SignatureRefused("bad_signature")
    try:
        given = bytes.fromhex(signature[len(PREFIX):])
    except ValueError:
        raise SignatureRefused("bad_signature") from None
    try:
        _mac(secret, message(method, path, query, timestamp, nonce, body)).verify(given)  # constant time
    except InvalidSignature:
        raise SignatureRefused("bad_signature") from None
    # Only an authentic request spends its nonce, so a forger cannot burn a real one.
    if not cache.add(f"intake:nonce:{replay_scope}:{nonce}", 1, timeout=2 * window):
        raise SignatureRefused("replayed")
