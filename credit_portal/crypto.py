"""Commercial cryptography (商用密码) primitives: SM3 hashing, SM4-GCM field encryption,
HMAC-SM3 blind indexes. All through ``cryptography`` (OpenSSL), never hand-rolled.
"""

from __future__ import annotations

from cryptography.hazmat.primitives import hashes


def sm3_hexdigest(data: bytes) -> str:
    """SM3 (GB/T 32905-2016) digest of ``data`` as 64 lowercase hex characters."""
    digest = hashes.Hash(hashes.SM3())
    digest.update(data)
    return digest.finalize().hex()
