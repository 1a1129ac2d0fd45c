"""HMAC-SM3 signatures of exchange batches (GB/T 32905-2016 SM3 in RFC 2104 HMAC).

The sender signs ``<timestamp>.<body>`` where body is the canonical JSON of the batch
(sorted keys, no insignificant whitespace, UTF-8) and timestamp the Unix time in whole
seconds, sent as ``X-Exchange-Timestamp``; the receiver verifies over the bytes it
received and refuses timestamps older than five minutes or in the future, so a captured
request cannot be replayed later (and within the window a replay is only a duplicate).
"""

from __future__ import annotations

import json
import os
import time
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, hmac
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from exchange import conf

TIMESTAMP_HEADER = "X-Exchange-Timestamp"
SIGNATURE_HEADER = "X-Exchange-Signature"
SIGNATURE_PREFIX = "hmac-sm3="


class SignatureError(Exception):
    """The batch is not authentic or not fresh. The message names the reason only."""


# What json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False) makes,
# byte for byte (it builds this very encoder on each call): one instance is reused because
# the receiver serializes every event of every batch for its digest.
_CANONICAL = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def canonical_text(value: Any) -> str:
    """The canonical JSON of ``value`` (sorted keys, no insignificant whitespace, not
    ASCII-escaped) as text; ``canonical_json`` is its UTF-8 bytes."""
    return _CANONICAL.encode(value)


def canonical_json(value: Any) -> bytes:
    return _CANONICAL.encode(value).encode("utf-8")


def key_from_setting(name: str) -> bytes:
    """The key held by the setting (or environment variable) ``name``: hex if it is hex,
    else its UTF-8 bytes. Raises ``ImproperlyConfigured`` naming the setting, never the key."""
    raw = getattr(settings, name, None)
    if raw is None:
        raw = os.environ.get(name)
    if not isinstance(raw, str) or len(raw) < 16:
        raise ImproperlyConfigured(f"Signing key setting {name} is missing or shorter than 16 characters.")
    try:
        return bytes.fromhex(raw)
    except ValueError:
        return raw.encode("utf-8")


def _mac(key: bytes, timestamp: str, body: bytes) -> hmac.HMAC:
    mac = hmac.HMAC(key, hashes.SM3())
    mac.update(timestamp.encode("ascii") + b"." + body)
    return mac


def sign(body: bytes, *, key: bytes, timestamp: int | None = None) -> dict[str, str]:
    """The headers that authenticate ``body``."""
    stamp = str(int(time.time()) if timestamp is None else timestamp)
    return {
        TIMESTAMP_HEADER: stamp,
        SIGNATURE_HEADER: SIGNATURE_PREFIX + _mac(key, stamp, body).finalize().hex(),
    }


def verify(body: bytes, *, timestamp: str | None, signature: str | None, key: bytes, now: float | None = None) -> None:
    """Raise ``SignatureError`` unless ``signature`` is ours over ``timestamp`` and ``body``
    and the timestamp is inside the replay window."""
    if not timestamp or not signature:
        raise SignatureError("missing signature or timestamp")
    if not timestamp.isdigit() or len(timestamp) > 12:
        raise SignatureError("malformed timestamp")
    now = time.time() if now is None else now
    age = now - int(timestamp)
    if age > conf.number("EXCHANGE_MAX_AGE_SECONDS"):
        raise SignatureError("stale timestamp")
    if -age > conf.number("EXCHANGE_MAX_FUTURE_SECONDS"):
        raise SignatureError("timestamp in the future")
    if not signature.startswith(SIGNATURE_PREFIX):
        raise SignatureError("unknown signature scheme")
    try:
        given = bytes.fromhex(signature[len(SIGNATURE_PREFIX):])
    except ValueError:
        raise SignatureError("malformed signature") from None
    try:
        _mac(key, timestamp, body).verify(given)  # constant-time comparison
    except InvalidSignature:
        raise SignatureError("bad signature") from None
