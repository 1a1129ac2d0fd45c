"""The CSRF token's mask from one random read (credit_portal.csrf_mask) in place of
Django's: the tokens Django unmasks to the secret, each mask character uniform over the
62 characters and independent, the biased bytes dropped, and the CSRF check as strict."""

from __future__ import annotations

from collections import Counter

import pytest
from django.middleware import csrf
from django.test import Client
from django.urls import reverse

from credit_portal import csrf_mask


def test_installed_in_place_of_djangos() -> None:
    assert csrf._mask_cipher_secret is csrf_mask.mask_cipher_secret


def test_django_unmasks_every_token_to_its_secret() -> None:
    for _ in range(500):
        secret = csrf._get_new_csrf_string()
        token = csrf_mask.mask_cipher_secret(secret)
        assert len(token) == csrf.CSRF_TOKEN_LENGTH
        assert set(token) <= set(csrf.CSRF_ALLOWED_CHARS)
        assert csrf._unmask_cipher_token(token) == secret


def test_a_new_mask_every_time() -> None:
    secret = csrf._get_new_csrf_string()
    tokens = {csrf_mask.mask_cipher_secret(secret) for _ in range(1000)}
    assert len(tokens) == 1000


def test_bytes_that_would_bias_the_mask_are_dropped(monkeypatch: pytest.MonkeyPatch) -> None:
    # 248..255 would map to the first 8 characters a second time: dropped, and the mask is
    # made of the bytes after them.
    reads = [bytes(range(248, 256)) + bytes(range(32)), bytes(range(100, 140))]
    monkeypatch.setattr(csrf_mask.secrets, "token_bytes", lambda n: reads.pop(0)[:n])
    secret = "a" * csrf.CSRF_SECRET_LENGTH
    token = csrf_mask.mask_cipher_secret(secret)
    assert token[:32] == csrf.CSRF_ALLOWED_CHARS[:32]
    assert reads == [bytes(range(100, 140))]  # one read was enough


def test_a_short_read_draws_again(monkeypatch: pytest.MonkeyPatch) -> None:
    reads = [bytes([255] * 30 + list(range(10))), bytes(range(10, 50))]
    monkeypatch.setattr(csrf_mask.secrets, "token_bytes", lambda n: reads.pop(0)[:n])
    token = csrf_mask.mask_cipher_secret("a" * csrf.CSRF_SECRET_LENGTH)
    assert token[:32] == csrf.CSRF_ALLOWED_CHARS[:32]
    assert reads == []


def test_every_character_equally_likely_at_every_position() -> None:
    secret = csrf._get_new_csrf_string()
    draws = 31_000
    masks = [csrf_mask.mask_cipher_secret(secret)[:32] for _ in range(draws)]
    expected = draws * 32 / 62
    overall = Counter("".join(masks))
    assert set(overall) == set(csrf.CSRF_ALLOWED_CHARS)
    # Binomial standard deviation ~100 around 16,000: a biased mapping (the first 8
    # characters from 5 bytes of 256 instead of 4) would put them ~25 % above.
    assert all(abs(count - expected) < 6 * (expected ** 0.5) for count in overall.values())
    # Per position: 500 each, standard deviation ~22.
    for position in (0, 15, 31):
        counts = Counter(mask[position] for mask in masks)
        assert all(abs(counts[c] - draws / 62) < 6 * ((draws / 62) ** 0.5) for c in csrf.CSRF_ALLOWED_CHARS)


@pytest.mark.django_db
def test_the_csrf_check_accepts_the_pages_token_and_refuses_a_tampered_one() -> None:
    client = Client(enforce_csrf_checks=True)
    page = client.get(reverse("login"))
    token = page.context["csrf_token"]
    token = str(token)
    assert csrf._unmask_cipher_token(token) == client.cookies["csrftoken"].value

    def post(value: str) -> int:
        return client.post(reverse("login"), {"csrfmiddlewaretoken": value, "username": "x", "password": "y"}).status_code

    assert post(token) == 200  # the form again, with its error: past the CSRF check
    tampered = token[:40] + ("b" if token[40] != "b" else "c") + token[41:]
    assert post(tampered) == 403
    assert post(csrf_mask.mask_cipher_secret(csrf._get_new_csrf_string())) == 403  # another secret's
