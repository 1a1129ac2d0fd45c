"""The Redis cache backend: Django's, with one ``redis.Redis`` kept per connection pool.

Django's ``RedisCacheClient.get_client`` builds a new ``redis.Redis`` for every cache
call. The object is only a façade over the connection pool, which Django already keeps,
but building it copies the client's table of response callbacks (about 170 entries):
measured here at about as much CPU as the ``GET`` it then sends. A signed-in page makes
four to six cache calls (session, access version, fragments, rate limits).

Keeping the façade changes nothing else: a ``redis.Redis`` over a pool is safe to share
between threads (each command borrows a connection from the pool and returns it), the
pool itself reconnects after a fork (it compares its process id), and the keys, the
serializer and the timeouts are Django's code, untouched.

``clear()`` is the one behaviour changed (besides ``validate_key``, which only warned of
memcached's limits and here checks nothing): Django's empties the whole Redis database
(FLUSHDB), and here the Celery broker's queues live in the same database (the settings
give both the one REDIS_URL), as do the keys of any other process sharing it (test
workers, each with its own KEY_PREFIX). It deletes only this cache's keys.
"""

from __future__ import annotations

import re
from typing import Any

from django.core.cache.backends import redis as django_redis


class RedisCacheClient(django_redis.RedisCacheClient):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Keyed by the pool's index among the servers, as Django keys its pools.
        self._clients: dict[int, Any] = {}

    def get_client(self, key: Any = None, *, write: bool = False) -> Any:
        index = self._get_connection_pool_index(write)
        client = self._clients.get(index)
        if client is None:
            # Django's own _get_connection_pool picks the index again (at random among
            # replicas for reads), so the pool is looked up by the index chosen here.
            if index not in self._pools:
                self._pools[index] = self._pool_class.from_url(self._servers[index], **self._pool_options)
            client = self._clients[index] = self._client(connection_pool=self._pools[index])
        return client


class RedisCache(django_redis.RedisCache):
    def __init__(self, server: str, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = RedisCacheClient

    def validate_key(self, key: str) -> None:
        """Nothing to check. Django's warns of keys memcached would refuse (over 250
        characters, spaces, control characters) with a regular expression over every key
        of every call, about 4 µs a key: a session read with its generations
        (credit_portal.sessions) reads six. Redis takes any key; the local-memory cache
        of development and the tests still warns."""

    def clear(self) -> None:
        """Delete this cache's keys (those under its KEY_PREFIX), not the whole database."""
        client = self._cache.get_client(write=True)
        # The keys as make_key builds them, with the prefix taken literally.
        pattern = self.key_func("*", re.sub(r"([*?\[\]\\])", r"\\\1", self.key_prefix), "*")
        batch: list[bytes] = []
        for key in client.scan_iter(match=pattern, count=1000):
            batch.append(key)
            if len(batch) == 1000:
                client.unlink(*batch)
                batch = []
        if batch:
            client.unlink(*batch)
