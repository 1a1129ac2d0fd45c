"""The audit trail's keys: ``AUDIT_HMAC_KEY`` by version, and the keyed MAC (HMAC-SM3) made with them."""

from __future__ import annotations

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import hmac as crypto_hmac
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


class MissingAuditKey(ImproperlyConfigured):
    """An entry, anchor or the head was MACed under a key version that is not configured."""

    def __init__(self, version: int) -> None:
        self.version = version
        super().__init__(
            f"Audit key version {version} is not in AUDIT_HMAC_KEY; it is needed as long as anything MACed "
            f'with it is kept: add it back as "{version}:<its 64 hex digits>" (docs/audit.md, "Key rotation").'
        )


def audit_keys() -> dict[int, bytes]:
    """``AUDIT_HMAC_KEY`` by version: ``"1:<hex>,2:<hex>"`` like ``FIELD_ENCRYPTION_KEYS``;
    a bare hex key (the format before rotation existed) is version 1."""
    raw = settings.AUDIT_HMAC_KEY
    if not isinstance(raw, str) or not raw.strip():
        raise ImproperlyConfigured("AUDIT_HMAC_KEY is missing.")
    keys: dict[int, bytes] = {}
    for part in raw.split(","):
        version_text, sep, hex_key = part.strip().rpartition(":")
        try:
            version = int(version_text) if sep else 1
            key = bytes.fromhex(hex_key)
        except ValueError:
            version, key = 0, b""
        if version < 1 or version in keys or len(key) < 16:
            raise ImproperlyConfigured(
                'AUDIT_HMAC_KEY must be "1:<hex>,2:<hex>" (or one bare key, version 1): positive distinct '
                "versions, each key at least 32 hexadecimal digits (64 recommended)."
            )
        keys[version] = key
    return keys


def current_key_version() -> int:
    """The version new entries' content MACs use: the highest configured."""
    return max(audit_keys())


def _key(version: int) -> bytes:
    try:
        return audit_keys()[version]
    except KeyError:
        raise MissingAuditKey(version) from None


def keyed_mac(purpose: str, data: bytes, *, version: int) -> str:
    """HMAC-SM3 with version ``version`` of ``AUDIT_HMAC_KEY``, domain-separated by ``purpose``."""
    mac = crypto_hmac.HMAC(_key(version), hashes.SM3())
    mac.update(b"credit_portal.audit.v2\x00" + purpose.encode("ascii") + b"\x00" + data)
    return mac.finalize().hex()
