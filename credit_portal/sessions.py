"""Sessions read from the cache together with the content generations, in one round trip.

The session engine with Redis (``SESSION_ENGINE``): Django's ``cached_db``, whose
``load`` reads the session with one ``GET``. The dashboard, the review queue and the
citizen's archive page read the generations of what they show next
(``credit_portal.generations.current``), a second round trip a few milliseconds later;
each costs about 40 µs of CPU on the benchmark host, most of it in the socket calls.
Here ``load`` asks for the session and every generation in one ``MGET`` and keeps the
generations on the store, for ``generations.current(..., request=request)`` of the same
request.

Read earlier is safe: a page puts a generation into its fragment's key and then reads
what the fragment shows; a generation is advanced only once the change is committed, so
one read at the start of the request, before any of the content, is still read before
the content (a change committed in between is in the content and the key is the older
one: a reader with that older key gets the newer rendering, never an older one). A
generation this process advanced after the read (the request's own change) voids the
prefetched ones: ``generations.current`` reads them again.

Everything else is Django's ``cached_db``: the same cache keys (sessions survive the
change), the database behind a miss, saving and deleting.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.sessions.backends.cached_db import SessionStore as CachedDBStore

from credit_portal import generations


class SessionStore(CachedDBStore):
    # (process advance count at the read, {name: token}) of the generations read with
    # the session; None until loaded, or if the session cache is not the generations'.
    prefetched_generations: tuple[int, dict[str, str]] | None = None

    def load(self) -> dict[str, Any]:
        if settings.SESSION_CACHE_ALIAS != generations.CACHE_ALIAS:
            return super().load()
        keys = generations.cache_keys()
        advances = generations.advances()
        try:
            found = self._cache.get_many([self.cache_key, *keys.values()])
        except Exception:  # noqa: BLE001 - as Django's load: the session from the database
            found = {}
        self.prefetched_generations = (advances, {name: found[key] for name, key in keys.items() if key in found})
        data = found.get(self.cache_key)
        # Not in the cache (expired there, or never cached): Django's load, from the database.
        return data if data is not None else super().load()
