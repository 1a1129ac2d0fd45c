"""The Redis cache backend keeps one client per pool and is otherwise Django's."""

from __future__ import annotations

import os
import threading
import uuid

import pytest
from django.core.cache.backends.redis import RedisCache as DjangoRedisCache

from credit_portal.cache import RedisCache

pytestmark = [
    pytest.mark.redis,
    pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="needs Redis: set REDIS_URL=redis://..."),
]


@pytest.fixture
def backend():
    prefix = f"test-cache-{uuid.uuid4().hex}"
    cache = RedisCache(os.environ["REDIS_URL"], {"KEY_PREFIX": prefix})
    yield cache
    client = cache._cache.get_client(write=True)
    for key in client.scan_iter(match=f"{prefix}:*"):
        client.delete(key)


def test_one_client_serves_every_call(backend):
    first = backend._cache.get_client(write=True)

    assert backend._cache.get_client() is first
    assert backend._cache.get_client(write=True) is first


def test_values_round_trip_as_with_djangos_backend(backend):
    django_view = DjangoRedisCache(os.environ["REDIS_URL"], {"KEY_PREFIX": backend.key_prefix})

    backend.set("record", {"title": "逾期未申报", "points": [1, 2]}, 30)
    backend.set("counter", 1, 30)
    backend.incr("counter")

    assert django_view.get("record") == {"title": "逾期未申报", "points": [1, 2]}
    assert django_view.get("counter") == 2
    assert backend.get_many(["record", "missing"]) == {"record": {"title": "逾期未申报", "points": [1, 2]}}
    assert backend.add("record", "other", 30) is False
    assert backend.delete("record") is True
    assert backend.get("record", "gone") == "gone"


def test_threads_share_the_client_without_mixing_answers(backend):
    errors: list[str] = []

    def work(n: int) -> None:
        for i in range(200):
            backend.set(f"k{n}", i, 30)
            if backend.get(f"k{n}") != i:
                errors.append(f"thread {n} read another answer at {i}")

    threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []


def test_clear_deletes_only_this_caches_keys(backend):
    client = backend._cache.get_client(write=True)
    neighbour = RedisCache(os.environ["REDIS_URL"], {"KEY_PREFIX": f"{backend.key_prefix}-neighbour"})
    broker_key = f"{backend.key_prefix}-celery-queue"  # as the broker's keys share the database
    client.rpush(broker_key, "task")
    backend.set("session", "mine", 30)
    backend.set("other-version", "mine", 30, version=7)
    neighbour.set("session", "theirs", 30)
    try:
        backend.clear()

        assert backend.get("session") is None
        assert backend.get("other-version", version=7) is None
        assert neighbour.get("session") == "theirs"
        assert client.lrange(broker_key, 0, -1) == [b"task"]
    finally:
        client.delete(broker_key)
        neighbour.clear()


def test_a_prefix_with_wildcards_is_taken_literally(backend):
    wild = RedisCache(os.environ["REDIS_URL"], {"KEY_PREFIX": f"{backend.key_prefix}*"})
    wild.set("k", 1, 30)
    backend.set("k", 2, 30)

    wild.clear()

    assert backend.get("k") == 2
    assert wild.get("k") is None
