"""credit_portal.hashers.PBKDF2SM3PasswordHasher (DESIGN §8, GB/T 39786)."""

from __future__ import annotations

import base64
import hmac

import pytest
from django.contrib.auth.hashers import check_password, identify_hasher, make_password
from django.test import override_settings

from credit_portal.crypto import sm3_hexdigest
from credit_portal.hashers import PBKDF2SM3PasswordHasher

SM3_FIRST = ["credit_portal.hashers.PBKDF2SM3PasswordHasher", "django.contrib.auth.hashers.Argon2PasswordHasher"]


def pbkdf2_reference(digest: str, password: bytes, salt: bytes, iterations: int, length: int) -> bytes:
    """PBKDF2 written out from RFC 8018 §5.2 over the standard library's HMAC, as an
    independent check of the construction (the hasher goes through ``cryptography``)."""
    out = b""
    block = 1
    while len(out) < length:
        u = hmac.new(password, salt + block.to_bytes(4, "big"), digest).digest()
        t = int.from_bytes(u, "big")
        for _ in range(iterations - 1):
            u = hmac.new(password, u, digest).digest()
            t ^= int.from_bytes(u, "big")
        out += t.to_bytes(len(u), "big")
        block += 1
    return out[:length]


@pytest.mark.parametrize(
    ("password", "salt", "iterations", "length", "expected"),
    [
        # RFC 6070 (PBKDF2-HMAC-SHA1) test vectors 2 and 5; 5 spans two blocks.
        (b"password", b"salt", 2, 20, "ea6c014dc72d6f8ccd1ed92ace1d41f0d8de8957"),
        (
            b"passwordPASSWORDpassword",
            b"saltSALTsaltSALTsaltSALTsaltSALTsalt",
            4096,
            25,
            "3d2eec4fe41c849b80c8d83662c0e44a8b291a964cf2f07038",
        ),
    ],
)
def test_reference_pbkdf2_matches_rfc_6070(password, salt, iterations, length, expected):
    # Keeps the reference honest before it judges the SM3 hasher.
    assert pbkdf2_reference("sha1", password, salt, iterations, length).hex() == expected


def test_hmac_reference_uses_the_standard_sm3():
    import hashlib

    assert hashlib.new("sm3", b"abc").hexdigest() == sm3_hexdigest(b"abc")


@pytest.mark.parametrize("password", ["correct horse battery", "密码很长很长的一句话"])
def test_encode_is_pbkdf2_hmac_sm3_in_django_format(password):
    encoded = PBKDF2SM3PasswordHasher().encode(password, "NaClNaClNaCl", 3)
    algorithm, iterations, salt, digest = encoded.split("$")
    assert (algorithm, iterations, salt) == ("pbkdf2_sm3", "3", "NaClNaClNaCl")
    expected = pbkdf2_reference("sm3", password.encode(), b"NaClNaClNaCl", 3, 32)
    assert base64.b64decode(digest) == expected


def test_verify_accepts_the_password_and_refuses_others():
    hasher = PBKDF2SM3PasswordHasher()
    encoded = hasher.encode("correct horse battery", hasher.salt(), 10)
    assert hasher.verify("correct horse battery", encoded)
    assert not hasher.verify("correct horse batterY", encoded)
    assert not hasher.verify("", encoded)


def test_salt_matters():
    hasher = PBKDF2SM3PasswordHasher()
    assert hasher.encode("pw", "salt-one", 5).split("$")[3] != hasher.encode("pw", "salt-two", 5).split("$")[3]


@pytest.mark.parametrize("salt", ["", "has$dollar"])
def test_bad_salt_is_refused(salt):
    with pytest.raises(ValueError, match="salt"):
        PBKDF2SM3PasswordHasher().encode("pw", salt, 5)


def test_none_password_is_refused():
    with pytest.raises(TypeError):
        PBKDF2SM3PasswordHasher().encode(None, "salt", 5)


def test_must_update_when_iterations_change():
    hasher = PBKDF2SM3PasswordHasher()
    assert hasher.must_update(hasher.encode("pw", hasher.salt(), 1000))
    assert not hasher.must_update(f"pbkdf2_sm3${hasher.iterations}${hasher.salt()}$AAAA")


def test_safe_summary_masks_salt_and_hash():
    hasher = PBKDF2SM3PasswordHasher()
    encoded = hasher.encode("pw", "abcdefghijklmnop", 5)
    summary = {str(k): v for k, v in hasher.safe_summary(encoded).items()}
    assert summary["algorithm"] == "pbkdf2_sm3"
    assert "abcdefghijklmnop" not in summary["salt"]
    assert encoded.split("$")[3] not in summary["hash"]


@override_settings(PASSWORD_HASHERS=SM3_FIRST)
def test_make_password_and_check_password_through_django():
    encoded = make_password("correct horse battery")
    assert encoded.startswith(f"pbkdf2_sm3${PBKDF2SM3PasswordHasher.iterations}$")
    assert isinstance(identify_hasher(encoded), PBKDF2SM3PasswordHasher)
    assert check_password("correct horse battery", encoded)
    assert not check_password("wrong horse battery", encoded)


@override_settings(PASSWORD_HASHERS=SM3_FIRST)
def test_an_argon2_hash_is_upgraded_to_sm3_on_login():
    with override_settings(PASSWORD_HASHERS=SM3_FIRST[::-1]):
        old = make_password("correct horse battery")
    assert old.startswith("argon2")
    upgraded = []
    assert check_password("correct horse battery", old, setter=upgraded.append)
    assert upgraded == ["correct horse battery"]
