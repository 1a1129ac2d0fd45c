"""Commercial cryptography (商用密码) primitives: SM3 hashing, SM4-GCM field encryption,
HMAC-SM3 blind indexes. All through ``cryptography`` (OpenSSL), never hand-rolled.

DESIGN §8: sensitive fields (ID numbers, phones) are stored as SM4-GCM ciphertexts with
the table, row and column bound in as associated data, so a ciphertext copied to another
row or column fails to decrypt; exact look-ups go through keyed HMAC-SM3 blind indexes;
keys carry versions so they can rotate (``manage.py rotate_field_keys``). The algorithms
are those GB/T 39786-2021 expects: SM4 (GB/T 32907-2016), SM3 (GB/T 32905-2016), GCM as
profiled for SM4 in RFC 8998.

Settings:

* ``FIELD_ENCRYPTION_KEYS``: ``"1:<32 hex>,2:<32 hex>"``, one 16-byte SM4 key per version.
* ``FIELD_ENCRYPTION_KEY_CURRENT``: the version new ciphertexts use; default the highest.
* ``BLIND_INDEX_KEY``: hex, at least 16 bytes; blind-index keys are derived from it.

Token format (ASCII, fits a text column)::

    sm4gcm:v<version>:<base64url without padding of nonce(12) | ciphertext | tag(16)>

The GCM associated data is exactly the ``associated_data`` argument; the key version is
not authenticated separately, because relabelling a token selects a different key and
the tag check then fails.
"""

from __future__ import annotations

import base64
import binascii
import functools
import os
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, hmac
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

TOKEN_PREFIX = "sm4gcm"  # noqa: S105 - a format label, not a secret
NONCE_BYTES = 12
TAG_BYTES = 16
SM4_KEY_BYTES = 16
MIN_BLIND_INDEX_KEY_BYTES = 16

_KEY_ENTRY = re.compile(r"^\s*([1-9][0-9]{0,8})\s*:\s*([0-9A-Fa-f]+)\s*$")
_TOKEN = re.compile(r"^" + TOKEN_PREFIX + r":v([1-9][0-9]{0,8}):([A-Za-z0-9_-]+)$")


class DecryptionError(Exception):
    """A token could not be decrypted: wrong key, wrong associated data (another row or
    column), tampered, malformed, or encrypted under a key version no longer configured.

    The message names the reason, never the plaintext or key material.
    """


def sm3_hexdigest(data: bytes) -> str:
    """SM3 (GB/T 32905-2016) digest of ``data`` as 64 lowercase hex characters."""
    digest = hashes.Hash(hashes.SM3())
    digest.update(data)
    return digest.finalize().hex()


# --- keys ----------------------------------------------------------------------------


@dataclass(frozen=True)
class KeyRing:
    """The configured SM4 keys by version, and the version new ciphertexts use."""

    keys: dict[int, bytes]
    current: int

    def key(self, version: int) -> bytes:
        try:
            return self.keys[version]
        except KeyError:
            raise DecryptionError(f"unknown key version {version}") from None


def _bad_keys(reason: str) -> ImproperlyConfigured:
    return ImproperlyConfigured(
        f"Setting FIELD_ENCRYPTION_KEYS is malformed: {reason}. "
        'Expected "1:<32 hex characters>,2:<32 hex characters>" (one 16-byte SM4 key per version).'
    )


@functools.lru_cache(maxsize=8)
def _parse_key_ring(raw: str, current: int | str | None) -> KeyRing:
    if not raw.strip():
        raise _bad_keys("it is empty")
    keys: dict[int, bytes] = {}
    for position, entry in enumerate(raw.split(","), start=1):
        match = _KEY_ENTRY.match(entry)
        if match is None:
            # The entry itself is not echoed: it may hold key material.
            raise _bad_keys(f"entry {position} is not <version>:<hex key>")
        version, hex_key = int(match.group(1)), match.group(2)
        if len(hex_key) != 2 * SM4_KEY_BYTES:
            raise _bad_keys(f"the key of version {version} has {len(hex_key)} hex characters, not 32")
        if version in keys:
            raise _bad_keys(f"version {version} is listed twice")
        keys[version] = bytes.fromhex(hex_key)
    if current in (None, "", 0):
        current_version = max(keys)
    else:
        try:
            current_version = int(current)
        except (TypeError, ValueError):
            raise ImproperlyConfigured("Setting FIELD_ENCRYPTION_KEY_CURRENT must be an integer.") from None
        if current_version not in keys:
            raise ImproperlyConfigured(
                f"Setting FIELD_ENCRYPTION_KEY_CURRENT is {current_version}, "
                "which is not a version listed in FIELD_ENCRYPTION_KEYS."
            )
    return KeyRing(keys=keys, current=current_version)


def key_ring() -> KeyRing:
    """The key ring from settings (parsed once per distinct setting value).

    Raises ``ImproperlyConfigured`` naming ``FIELD_ENCRYPTION_KEYS`` (or
    ``FIELD_ENCRYPTION_KEY_CURRENT``) when the configuration is malformed.
    """
    raw = getattr(settings, "FIELD_ENCRYPTION_KEYS", None)
    current = getattr(settings, "FIELD_ENCRYPTION_KEY_CURRENT", None)
    if not isinstance(raw, str):
        raise _bad_keys("it is missing or not a string")
    if not (current is None or isinstance(current, int | str)):
        raise ImproperlyConfigured("Setting FIELD_ENCRYPTION_KEY_CURRENT must be an integer.")
    return _parse_key_ring(raw, current)


def current_key_version() -> int:
    """The key version new ciphertexts are written with."""
    return key_ring().current


# --- SM4-GCM -------------------------------------------------------------------------


def sm4_gcm_seal(key: bytes, nonce: bytes, plaintext: bytes, associated_data: bytes) -> bytes:
    """SM4-GCM encryption (RFC 8998 profile): returns ``ciphertext | tag(16)``.

    The nonce must never repeat under one key; ``encrypt`` draws it at random.
    """
    return _seal(algorithms.SM4(key), nonce, plaintext, associated_data)


def _seal(algorithm: algorithms.SM4, nonce: bytes, plaintext: bytes, associated_data: bytes) -> bytes:
    encryptor = Cipher(algorithm, modes.GCM(nonce)).encryptor()
    encryptor.authenticate_additional_data(associated_data)
    ciphertext = encryptor.update(plaintext) + encryptor.finalize()
    return ciphertext + encryptor.tag


def sm4_gcm_open(key: bytes, nonce: bytes, sealed: bytes, associated_data: bytes) -> bytes:
    """Inverse of ``sm4_gcm_seal``; raises ``DecryptionError`` when the tag does not verify."""
    if len(sealed) < TAG_BYTES:
        raise DecryptionError("ciphertext too short")
    ciphertext, tag = sealed[:-TAG_BYTES], sealed[-TAG_BYTES:]
    decryptor = Cipher(algorithms.SM4(key), modes.GCM(nonce, tag)).decryptor()
    decryptor.authenticate_additional_data(associated_data)
    try:
        return decryptor.update(ciphertext) + decryptor.finalize()
    except InvalidTag:
        raise DecryptionError(
            "authentication failed (wrong key, wrong row or column, or tampered ciphertext)"
        ) from None


def _b64encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64decode(text: str) -> bytes:
    padded = text + "=" * (-len(text) % 4)
    try:
        return base64.b64decode(padded, altchars=b"-_", validate=True)
    except (binascii.Error, ValueError):
        raise DecryptionError("malformed token") from None


def _parse_token(token: object) -> tuple[int, bytes]:
    if not isinstance(token, str):
        raise DecryptionError("token is not a string")
    match = _TOKEN.match(token)
    if match is None:
        raise DecryptionError("malformed token")
    return int(match.group(1)), _b64decode(match.group(2))


def key_version_of(token: str) -> int:
    """The key version a token was written with; ``DecryptionError`` if it is no token."""
    return _parse_token(token)[0]


def encrypts_empty_text(token: str) -> bool:
    """Whether ``token`` is the encryption of the empty text, told without decrypting it:
    GCM keeps the plaintext's length, so such a token holds only the nonce and the tag.
    Not authenticated, so only for showing whether a value exists (a form's "(hidden)"),
    never for trusting one; ``DecryptionError`` if it is no token."""
    return len(_parse_token(token)[1]) == NONCE_BYTES + TAG_BYTES


def is_token(value: object) -> bool:
    """Whether ``value`` has the shape of a token (says nothing about its authenticity)."""
    return isinstance(value, str) and _TOKEN.match(value) is not None


def encrypt(plaintext: str, *, associated_data: bytes) -> str:
    """Encrypt ``plaintext`` under the current key with a fresh random 12-byte nonce.

    ``associated_data`` must be what ``decrypt`` will be given (for model fields,
    ``associated_data_for(table, pk, column)``).
    """
    if not isinstance(plaintext, str):
        raise TypeError("encrypt() takes the plaintext as str")
    if not isinstance(associated_data, bytes):
        raise TypeError("associated_data must be bytes")
    ring = key_ring()
    nonce = os.urandom(NONCE_BYTES)
    sealed = sm4_gcm_seal(ring.key(ring.current), nonce, plaintext.encode("utf-8"), associated_data)
    return f"{TOKEN_PREFIX}:v{ring.current}:{_b64encode(nonce + sealed)}"


def encrypter() -> Callable[[str, bytes], str]:
    """``encrypt`` for many values (a bulk import): the key ring is read and the SM4 key
    set up once; every value still gets its own random nonce and its own token."""
    ring = key_ring()
    algorithm = algorithms.SM4(ring.key(ring.current))
    prefix = f"{TOKEN_PREFIX}:v{ring.current}:"

    def encrypt_one(plaintext: str, associated_data: bytes) -> str:
        nonce = os.urandom(NONCE_BYTES)
        return prefix + _b64encode(nonce + _seal(algorithm, nonce, plaintext.encode("utf-8"), associated_data))

    return encrypt_one


def decrypt(token: str, *, associated_data: bytes) -> str:
    """Decrypt a token from ``encrypt``; raises ``DecryptionError``, never returns garbage."""
    if not isinstance(associated_data, bytes):
        raise TypeError("associated_data must be bytes")
    version, payload = _parse_token(token)
    if len(payload) < NONCE_BYTES + TAG_BYTES:
        raise DecryptionError("malformed token")
    key = key_ring().key(version)
    plaintext = sm4_gcm_open(key, payload[:NONCE_BYTES], payload[NONCE_BYTES:], associated_data)
    try:
        return plaintext.decode("utf-8")
    except UnicodeDecodeError:
        raise DecryptionError("plaintext is not UTF-8") from None


def reencrypt(token: str, *, associated_data: bytes) -> str:
    """Decrypt ``token`` and encrypt its plaintext again under the current key."""
    return encrypt(decrypt(token, associated_data=associated_data), associated_data=associated_data)


def associated_data_for(table: str, pk: object, column: str) -> bytes:
    """Associated data binding a ciphertext to one table, row and column.

    Each part is length-prefixed so no two different triples encode alike
    (``("a", "bc", …)`` and ``("ab", "c", …)`` differ). ``pk`` is rendered with
    ``str()``; callers pass the canonical value (a ``uuid.UUID`` for model fields).
    """
    parts = [b"credit_portal.field.v1", table.encode("utf-8"), str(pk).encode("utf-8"), column.encode("utf-8")]
    return b"".join(len(part).to_bytes(4, "big") + part for part in parts)


def associated_data_maker(table: str, column: str) -> Callable[[object], bytes]:
    """``associated_data_for(table, pk, column)`` for many rows of one column: the fixed
    parts are encoded once."""
    head = associated_data_for(table, "", column)
    fixed = b"".join(len(part).to_bytes(4, "big") + part for part in (b"credit_portal.field.v1", table.encode("utf-8")))
    tail = head[len(fixed) + 4:]

    def make(pk: object) -> bytes:
        text = str(pk).encode("utf-8")
        return fixed + len(text).to_bytes(4, "big") + text + tail

    return make


# --- blind indexes -------------------------------------------------------------------


_BLIND_INDEX_KEY_PROBLEM = (
    "Setting BLIND_INDEX_KEY must be hex encoding at least 16 bytes (e.g. `openssl rand -hex 32`)"
)


@functools.lru_cache(maxsize=8)
def _blind_index_master_key(raw: str) -> bytes:
    try:
        key = bytes.fromhex(raw.strip())
    except ValueError:
        raise ImproperlyConfigured(_BLIND_INDEX_KEY_PROBLEM + "; it is not hex.") from None
    if len(key) < MIN_BLIND_INDEX_KEY_BYTES:
        raise ImproperlyConfigured(_BLIND_INDEX_KEY_PROBLEM + f"; it has {len(key)} bytes.")
    return key


def _hmac_sm3(key: bytes, data: bytes) -> bytes:
    mac = hmac.HMAC(key, hashes.SM3())
    mac.update(data)
    return mac.finalize()


@functools.lru_cache(maxsize=64)
def _purpose_key(master: bytes, purpose: str) -> bytes:
    # One PRF call keyed with the master key, labelled with the purpose: an ID-number
    # index and a phone index of the same string differ, and leaking one purpose's key
    # reveals nothing about another's.
    return _hmac_sm3(master, b"credit_portal.blind_index.v1\x00" + purpose.encode("utf-8"))


def blind_index(value: str, *, purpose: str) -> str:
    """Keyed HMAC-SM3 of ``value`` as 64 hex characters, for exact look-ups.

    Deterministic for one key and purpose, so equal inputs collide on purpose: callers
    normalize first (``normalize_id_number``) and store the result in a unique column.
    """
    if not isinstance(value, str):
        raise TypeError("blind_index() takes the value as str")
    if not purpose:
        raise ValueError("blind_index() needs a purpose, e.g. 'id_number'")
    return _hmac_sm3(_purpose_key_from_settings(purpose), value.encode("utf-8")).hex()


def _purpose_key_from_settings(purpose: str) -> bytes:
    raw = getattr(settings, "BLIND_INDEX_KEY", None)
    if not isinstance(raw, str):
        raise ImproperlyConfigured(_BLIND_INDEX_KEY_PROBLEM + "; it is missing or not a string.")
    return _purpose_key(_blind_index_master_key(raw), purpose)


def blind_indexer(purpose: str) -> Callable[[str], str]:
    """``blind_index`` for many values of one purpose (a bulk import): the HMAC is keyed
    once and copied per value, which gives the same digests."""
    if not purpose:
        raise ValueError("blind_indexer() needs a purpose, e.g. 'id_number'")
    keyed = hmac.HMAC(_purpose_key_from_settings(purpose), hashes.SM3())

    def index(value: str) -> str:
        mac = keyed.copy()
        mac.update(value.encode("utf-8"))
        return mac.finalize().hex()

    return index


def normalize_id_number(value: str) -> str:
    """Canonical form of a resident ID number before indexing or validation.

    NFKC folds full-width digits and letters (common from Chinese input methods) to
    ASCII, all whitespace (including the full-width space) is removed, and the check
    character ``x`` becomes ``X`` as GB 11643-1999 writes it.
    """
    text = unicodedata.normalize("NFKC", value)
    return "".join(text.split()).upper()
