"""Generation tokens for cache keys: advanced once per committed transaction, never by a
rolled-back one, and started afresh (a miss, never a stale page) when the cache loses them."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.db import transaction

from credit_portal import generations


@pytest.mark.django_db
def test_a_generation_is_stable_until_advanced() -> None:
    first = generations.current("records")
    assert generations.current("records") == first
    generations.advance("records")
    assert generations.current("records") != first


@pytest.mark.django_db
def test_names_advance_independently() -> None:
    records, listings = generations.current("records", "listings")
    generations.advance("listings")
    assert generations.current("records", "listings")[0] == records
    assert generations.current("records", "listings")[1] != listings


@pytest.mark.django_db
def test_advanced_once_after_the_commit_however_many_changes(django_capture_on_commit_callbacks) -> None:
    before = generations.current("records")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with transaction.atomic():
            for _ in range(5):
                generations.advance_on_commit("records")
            # Inside the transaction the change is not visible to readers yet: a reader
            # must not be able to store the old content under a new generation.
            assert generations.current("records") == before
    assert len(callbacks) == 1
    assert generations.current("records") != before


@pytest.mark.django_db
def test_a_rolled_back_transaction_advances_nothing(django_capture_on_commit_callbacks) -> None:
    before = generations.current("records")
    def change_then_fail() -> None:
        with transaction.atomic():
            generations.advance_on_commit("records")
            raise RuntimeError("rolled back")

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(RuntimeError):
            change_then_fail()
    assert callbacks == []
    assert generations.current("records") == before


@pytest.mark.django_db
def test_a_lost_generation_starts_a_new_one() -> None:
    first = generations.current("records")
    cache.clear()
    assert generations.current("records") != first
