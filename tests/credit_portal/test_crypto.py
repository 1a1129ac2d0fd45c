"""credit_portal.crypto: standard vectors, SM4-GCM tokens, associated data, key versions,
blind indexes (DESIGN §8)."""

from __future__ import annotations

import base64

import pytest
from cryptography.hazmat.primitives import hashes, hmac
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings

from credit_portal.checks import check_encryption_keys
from credit_portal.crypto import (
    DecryptionError,
    associated_data_for,
    blind_index,
    current_key_version,
    decrypt,
    encrypt,
    key_version_of,
    normalize_id_number,
    reencrypt,
    sm3_hexdigest,
    sm4_gcm_open,
    sm4_gcm_seal,
)

KEY_1 = "00112233445566778899aabbccddeeff"
KEY_2 = "ffeeddccbbaa99887766554433221100"
KEY_3 = "0f1e2d3c4b5a69788796a5b4c3d2e1f0"
AD = associated_data_for("archives_subject", "5f0c9a4e-2f7e-4b4b-9d1e-0d7f3f7d1a11", "id_number")


@pytest.fixture(autouse=True)
def _keys():
    with override_settings(
        FIELD_ENCRYPTION_KEYS=f"1:{KEY_1}",
        FIELD_ENCRYPTION_KEY_CURRENT=None,
        BLIND_INDEX_KEY="a1" * 32,
    ):
        yield


# --- standard vectors ------------------------------------------------------------------


def test_sm4_block_vector_gb_t_32907_2016_appendix_a():
    # GB/T 32907-2016 Appendix A, example 1: key = plaintext.
    key = plaintext = bytes.fromhex("0123456789abcdeffedcba9876543210")
    encryptor = Cipher(algorithms.SM4(key), modes.ECB()).encryptor()  # noqa: S305 - one block, a test vector
    assert (encryptor.update(plaintext) + encryptor.finalize()).hex() == "681edf34d206965e86b3e94f536e4246"


def test_sm3_vectors_gb_t_32905_2016_appendix_a():
    assert sm3_hexdigest(b"abc") == "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"
    assert sm3_hexdigest(b"abcd" * 16) == "debe9ff92275b8a138604889c18e5a4d6fdb70e5387e5765293dcba39c0c5732"


# RFC 8998 Appendix A.1 (SM4-GCM), bytes as published.
RFC8998_KEY = bytes.fromhex("0123456789ABCDEFFEDCBA9876543210")
RFC8998_IV = bytes.fromhex("00001234567800000000ABCD")
RFC8998_AAD = bytes.fromhex("FEEDFACEDEADBEEFFEEDFACEDEADBEEFABADDAD2")
RFC8998_PLAINTEXT = bytes.fromhex(
    "AAAAAAAAAAAAAAAABBBBBBBBBBBBBBBB"
    "CCCCCCCCCCCCCCCCDDDDDDDDDDDDDDDD"
    "EEEEEEEEEEEEEEEEFFFFFFFFFFFFFFFF"
    "EEEEEEEEEEEEEEEEAAAAAAAAAAAAAAAA"
)
RFC8998_CIPHERTEXT = bytes.fromhex(
    "17F399F08C67D5EE19D0DC9969C4BB7D"
    "5FD46FD3756489069157B282BB200735"
    "D82710CA5C22F0CCFA7CBF93D496AC15"
    "A56834CBCF98C397B4024A2691233B8D"
)
RFC8998_TAG = bytes.fromhex("83DE3541E4C2B58177E065A9BF7B62EC")


def test_sm4_gcm_known_answer_rfc_8998_a1_seal():
    sealed = sm4_gcm_seal(RFC8998_KEY, RFC8998_IV, RFC8998_PLAINTEXT, RFC8998_AAD)
    assert sealed == RFC8998_CIPHERTEXT + RFC8998_TAG


def test_sm4_gcm_known_answer_rfc_8998_a1_open_and_reject():
    sealed = RFC8998_CIPHERTEXT + RFC8998_TAG
    assert sm4_gcm_open(RFC8998_KEY, RFC8998_IV, sealed, RFC8998_AAD) == RFC8998_PLAINTEXT
    with pytest.raises(DecryptionError):
        sm4_gcm_open(RFC8998_KEY, RFC8998_IV, sealed, RFC8998_AAD[:-1])
    flipped = bytes([sealed[0] ^ 1]) + sealed[1:]
    with pytest.raises(DecryptionError):
        sm4_gcm_open(RFC8998_KEY, RFC8998_IV, flipped, RFC8998_AAD)


def test_token_is_nonce_ciphertext_tag_under_sm4_gcm_with_the_given_associated_data():
    token = encrypt("110101199003071234", associated_data=AD)
    prefix, version, body = token.split(":")
    assert (prefix, version) == ("sm4gcm", "v1")
    payload = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
    nonce, sealed = payload[:12], payload[12:]
    assert len(sealed) == len("110101199003071234") + 16
    assert sm4_gcm_open(bytes.fromhex(KEY_1), nonce, sealed, AD) == b"110101199003071234"


# --- tokens ----------------------------------------------------------------------------


@pytest.mark.parametrize("plaintext", ["110101199003071234", "", "张三 13800000000", "x" * 5000])
def test_round_trip(plaintext):
    token = encrypt(plaintext, associated_data=AD)
    assert token.isascii()
    assert plaintext not in token or plaintext == ""
    assert decrypt(token, associated_data=AD) == plaintext


def test_same_plaintext_encrypts_differently_each_time():
    assert encrypt("110101199003071234", associated_data=AD) != encrypt("110101199003071234", associated_data=AD)


def test_associated_data_binds_table_row_and_column():
    token = encrypt("110101199003071234", associated_data=AD)
    for other in (
        associated_data_for("archives_subject", "5f0c9a4e-2f7e-4b4b-9d1e-0d7f3f7d1a12", "id_number"),
        associated_data_for("archives_subject", "5f0c9a4e-2f7e-4b4b-9d1e-0d7f3f7d1a11", "phone"),
        associated_data_for("archives_contact", "5f0c9a4e-2f7e-4b4b-9d1e-0d7f3f7d1a11", "id_number"),
    ):
        with pytest.raises(DecryptionError):
            decrypt(token, associated_data=other)


@pytest.mark.parametrize("separator", ["", "|", ":", ".", "/", "\x00"])
def test_associated_data_encoding_is_unambiguous(separator):
    # Parts containing any would-be separator must not let two triples collide.
    assert associated_data_for(f"a{separator}b", "c", "d") != associated_data_for("a", f"b{separator}c", "d")
    assert associated_data_for("a", f"b{separator}c", "d") != associated_data_for("a", "b", f"c{separator}d")


def _flip_body_char(token: str, index: int) -> str:
    prefix, version, body = token.split(":")
    replacement = "A" if body[index] != "A" else "B"
    return ":".join([prefix, version, body[:index] + replacement + body[index + 1 :]])


@pytest.mark.parametrize("index", [0, 16, 20, -2])  # nonce, ciphertext, ciphertext, tag
def test_tampered_token_raises(index):
    token = encrypt("110101199003071234", associated_data=AD)
    with pytest.raises(DecryptionError):
        decrypt(_flip_body_char(token, index), associated_data=AD)


@pytest.mark.parametrize(
    "token",
    [
        "",
        "110101199003071234",
        "sm4gcm:v1:",
        "sm4gcm:v1:AAAA",  # shorter than nonce + tag
        "sm4gcm:v0:" + "A" * 40,
        "sm4gcm:vx:" + "A" * 40,
        "aes:v1:" + "A" * 40,
        "sm4gcm:v1:" + "A" * 39 + "=",
        "sm4gcm:v1:" + "A" * 39 + "+",
        "sm4gcm:v1:" + "A" * 40 + ":extra",
        "sm4gcm:v1:" + "A" * 41,  # not a whole number of bytes
    ],
)
def test_malformed_token_raises(token):
    with pytest.raises(DecryptionError):
        decrypt(token, associated_data=AD)


def test_truncated_token_raises():
    token = encrypt("110101199003071234", associated_data=AD)
    with pytest.raises(DecryptionError):
        decrypt(token[:-4], associated_data=AD)


def test_wrong_key_raises():
    token = encrypt("110101199003071234", associated_data=AD)
    with override_settings(FIELD_ENCRYPTION_KEYS=f"1:{KEY_2}"), pytest.raises(DecryptionError):
        decrypt(token, associated_data=AD)


def test_unknown_key_version_raises():
    token = encrypt("110101199003071234", associated_data=AD)
    with override_settings(FIELD_ENCRYPTION_KEYS=f"2:{KEY_2}"), pytest.raises(DecryptionError, match="version 1"):
        decrypt(token, associated_data=AD)


def test_relabelled_key_version_raises():
    token = encrypt("110101199003071234", associated_data=AD)
    with override_settings(FIELD_ENCRYPTION_KEYS=f"1:{KEY_1},2:{KEY_2}"), pytest.raises(DecryptionError):
        decrypt(token.replace(":v1:", ":v2:"), associated_data=AD)


# --- key versions and rotation ----------------------------------------------------------


def test_current_version_is_the_highest_listed_unless_set():
    with override_settings(FIELD_ENCRYPTION_KEYS=f"2:{KEY_2}, 1:{KEY_1}"):
        assert current_key_version() == 2
        assert key_version_of(encrypt("a", associated_data=AD)) == 2
    with override_settings(FIELD_ENCRYPTION_KEYS=f"1:{KEY_1},2:{KEY_2}", FIELD_ENCRYPTION_KEY_CURRENT=1):
        assert key_version_of(encrypt("a", associated_data=AD)) == 1


def test_rotation_keeps_old_tokens_readable_and_reencrypts_to_the_new_key():
    old = encrypt("110101199003071234", associated_data=AD)
    assert key_version_of(old) == 1
    with override_settings(FIELD_ENCRYPTION_KEYS=f"1:{KEY_1},2:{KEY_2}"):
        assert decrypt(old, associated_data=AD) == "110101199003071234"
        new = reencrypt(old, associated_data=AD)
        assert key_version_of(new) == 2
    with override_settings(FIELD_ENCRYPTION_KEYS=f"2:{KEY_2}"):
        assert decrypt(new, associated_data=AD) == "110101199003071234"
        with pytest.raises(DecryptionError):
            decrypt(old, associated_data=AD)


def test_key_version_of_rejects_non_tokens():
    with pytest.raises(DecryptionError):
        key_version_of("110101199003071234")


@pytest.mark.parametrize(
    "keys",
    [
        "",
        "   ",
        KEY_1,  # no version
        f"1:{KEY_1[:-2]}",  # 15 bytes
        f"1:{KEY_1}00",  # 17 bytes
        f"1:{KEY_1[:-1]}g",  # not hex
        f"0:{KEY_1}",  # versions start at 1
        f"-1:{KEY_1}",
        f"1:{KEY_1},1:{KEY_2}",  # duplicate version
        f"1:{KEY_1},",  # empty entry
        f"1:{KEY_1};2:{KEY_2}",
    ],
)
def test_malformed_key_config_names_the_setting(keys):
    with override_settings(FIELD_ENCRYPTION_KEYS=keys), pytest.raises(ImproperlyConfigured) as excinfo:
        encrypt("a", associated_data=AD)
    assert "FIELD_ENCRYPTION_KEYS" in str(excinfo.value)
    # The message never echoes key material.
    assert KEY_1[:16] not in str(excinfo.value)


def test_missing_key_config_names_the_setting():
    with (
        override_settings(FIELD_ENCRYPTION_KEYS=None),
        pytest.raises(ImproperlyConfigured, match="FIELD_ENCRYPTION_KEYS"),
    ):
        encrypt("a", associated_data=AD)


def test_current_version_not_listed_is_refused():
    with (
        override_settings(FIELD_ENCRYPTION_KEYS=f"1:{KEY_1}", FIELD_ENCRYPTION_KEY_CURRENT=3),
        pytest.raises(ImproperlyConfigured, match="FIELD_ENCRYPTION_KEY_CURRENT"),
    ):
        encrypt("a", associated_data=AD)


def test_system_check_reports_malformed_keys_and_passes_good_ones():
    assert check_encryption_keys() == []
    with override_settings(FIELD_ENCRYPTION_KEYS="1:short", BLIND_INDEX_KEY="not hex"):
        ids = sorted(message.id for message in check_encryption_keys())
    assert ids == ["credit_portal.E110", "credit_portal.E111"]


# --- blind index -------------------------------------------------------------------------


def test_blind_index_is_deterministic_hex():
    first = blind_index("110101199003071234", purpose="id_number")
    assert first == blind_index("110101199003071234", purpose="id_number")
    assert len(first) == 64
    assert int(first, 16) >= 0
    assert first != blind_index("110101199003071235", purpose="id_number")


def test_blind_index_is_hmac_sm3_under_a_purpose_derived_key():
    master = bytes.fromhex("a1" * 32)
    derive = hmac.HMAC(master, hashes.SM3())
    derive.update(b"credit_portal.blind_index.v1\x00id_number")
    mac = hmac.HMAC(derive.finalize(), hashes.SM3())
    mac.update(b"110101199003071234")
    assert blind_index("110101199003071234", purpose="id_number") == mac.finalize().hex()


def test_blind_index_separates_purposes():
    assert blind_index("13800000000", purpose="id_number") != blind_index("13800000000", purpose="phone")


def test_blind_index_depends_on_the_key():
    before = blind_index("110101199003071234", purpose="id_number")
    with override_settings(BLIND_INDEX_KEY="b2" * 32):
        assert blind_index("110101199003071234", purpose="id_number") != before


@pytest.mark.parametrize("key", [None, "", "zz" * 32, "ab" * 15])
def test_blind_index_refuses_a_bad_key(key):
    with override_settings(BLIND_INDEX_KEY=key), pytest.raises(ImproperlyConfigured, match="BLIND_INDEX_KEY"):
        blind_index("110101199003071234", purpose="id_number")


def test_blind_index_needs_a_purpose():
    with pytest.raises(ValueError, match="purpose"):
        blind_index("110101199003071234", purpose="")


@pytest.mark.parametrize(
    "raw",
    [
        "11010119900307123X",
        "11010119900307123x",
        " 11010119900307123x\n",
        "１１０１０１１９９００３０７１２３Ｘ",  # full-width digits and letter
        "\u300011010119900307123ｘ\u3000",  # full-width spaces, full-width x
        "110101 19900307 123X",
    ],
)
def test_normalize_id_number(raw):
    assert normalize_id_number(raw) == "11010119900307123X"


def test_equal_id_numbers_index_equal_after_normalizing():
    typed = blind_index(normalize_id_number("１１０１０１１９９００３０７１２３ｘ"), purpose="id_number")
    assert typed == blind_index(normalize_id_number("11010119900307123X"), purpose="id_number")


def test_encrypts_empty_text_is_told_from_the_length_alone() -> None:
    from credit_portal.crypto import DecryptionError, encrypt, encrypts_empty_text

    assert encrypts_empty_text(encrypt("", associated_data=b"t|1|c")) is True
    assert encrypts_empty_text(encrypt("1", associated_data=b"t|1|c")) is False
    assert encrypts_empty_text(encrypt("13800000000", associated_data=b"t|1|c")) is False
    with pytest.raises(DecryptionError):
        encrypts_empty_text("13800000000")
