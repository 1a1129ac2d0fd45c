"""The rate limits' counters: ``hit`` and ``hit_unless_limited`` count the same on the
local-memory cache (the embedded profile) and on Redis (one script, one round trip)."""

from __future__ import annotations

import os
import uuid

import pytest
from django.core.cache import caches

from credit_portal import ratelimit

BACKENDS = ["locmem"] + (["redis"] if os.environ.get("REDIS_URL") else [])


@pytest.fixture(params=BACKENDS)
def backend(request, settings):  # noqa: ANN001, ANN201
    if request.param == "redis":
        settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                                       "LOCATION": os.environ["REDIS_URL"], "KEY_PREFIX": "test-ratelimit"}}
    else:
        settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache",
                                       "LOCATION": "test-ratelimit"}}
    return caches["default"]


def test_hit_counts_up_to_the_limit(backend) -> None:  # noqa: ANN001
    who = uuid.uuid4().hex
    assert [ratelimit.hit("t", who, limit=2, window=60) for _ in range(4)] == [True, True, False, False]
    assert backend.get(ratelimit._key("t", who)) == 4


def test_hit_unless_limited_counts_nothing_while_the_guard_is_over(backend) -> None:  # noqa: ANN001
    who = uuid.uuid4().hex
    assert ratelimit.hit_unless_limited("q", who, limit=3, window=60, guard="r", guard_limit=1)
    ratelimit.hit("r", who, limit=9, window=60)
    assert ratelimit.hit_unless_limited("q", who, limit=3, window=60, guard="r", guard_limit=1)
    ratelimit.hit("r", who, limit=9, window=60)  # the guard now holds 2 > 1
    assert not ratelimit.hit_unless_limited("q", who, limit=3, window=60, guard="r", guard_limit=1)
    assert backend.get(ratelimit._key("q", who)) == 2  # the refused attempt was not counted
    other = uuid.uuid4().hex
    assert [ratelimit.hit_unless_limited("q", other, limit=1, window=60, guard="r", guard_limit=5)
            for _ in range(3)] == [True, False, False]
    assert ratelimit.is_limited("q", other, limit=1)
