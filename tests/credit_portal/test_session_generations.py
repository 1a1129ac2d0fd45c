"""The session engine with Redis (credit_portal.sessions) reads the content generations
with the session, in one cache read, for ``generations.current(..., request=request)``:
used only when read before the content and after this process's last advance, never a
generation older than one advanced before the request, otherwise Django's cached_db."""

from __future__ import annotations

import pytest
from django.contrib.sessions.backends.cached_db import SessionStore as DjangoCachedDBStore
from django.core.cache import cache, caches
from django.test import RequestFactory

from credit_portal import generations
from credit_portal.sessions import SessionStore

pytestmark = pytest.mark.django_db


@pytest.fixture
def session_key(settings) -> str:
    settings.SESSION_ENGINE = "credit_portal.sessions"
    cache.clear()
    generations.current(*generations.NAMES)
    store = SessionStore()
    store["who"] = "reviewer"
    store.save()
    return store.session_key


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, object]]:
    """Every read of the default cache: (method, keys)."""
    backend = caches["default"]
    seen: list[tuple[str, object]] = []
    for method in ("get", "get_many"):
        original = getattr(backend, method)

        def spy(keys, *args, _original=original, _method=method, **kwargs):  # noqa: ANN001, ANN202
            seen.append((_method, keys))
            return _original(keys, *args, **kwargs)

        monkeypatch.setattr(backend, method, spy)
    return seen


def _request(session_key: str) -> object:
    request = RequestFactory().get("/")
    request.session = SessionStore(session_key)
    return request


def test_the_session_and_every_generation_in_one_read(session_key: str, reads) -> None:
    request = _request(session_key)
    assert request.session["who"] == "reviewer"
    expected = (cache.get("generation:review-queue"), cache.get("generation:points"))
    reads.clear()
    assert generations.current("review-queue", "points", request=request) == expected
    assert reads == []  # both read with the session


def test_the_one_read_is_one_get_many(session_key: str, reads) -> None:
    request = _request(session_key)
    request.session.load()
    assert reads[0][0] == "get_many"
    keys = list(reads[0][1])
    assert len(keys) == 1 + len(generations.NAMES)
    # (The local-memory cache of the tests answers get_many with a get per key; Redis's
    # with one MGET.)
    assert all(method == "get" and key in keys for method, key in reads[1:])


def test_an_advance_before_the_request_is_seen(session_key: str) -> None:
    before = generations.current("records")
    generations.advance("records")
    request = _request(session_key)
    request.session.load()
    assert generations.current("records", request=request) != before
    assert generations.current("records", request=request) == generations.current("records")


def test_this_processes_own_advance_after_the_read_voids_it(session_key: str, reads) -> None:
    request = _request(session_key)
    request.session.load()
    old = generations.current("review-queue", request=request)
    generations.advance("review-queue")  # the request's own change, committed
    reads.clear()
    new = generations.current("review-queue", request=request)
    assert new != old
    assert new == (cache.get("generation:review-queue"),)
    assert reads  # read again


def test_a_lost_generation_is_started_and_then_kept(session_key: str) -> None:
    cache.delete("generation:points")
    request = _request(session_key)
    request.session.load()
    started = generations.current("points", request=request)
    assert started[0]
    assert generations.current("points") == started
    assert generations.current("points", request=_request(session_key)) == started


def test_a_name_not_read_with_the_session_is_read_then(session_key: str) -> None:
    request = _request(session_key)
    request.session.load()
    assert generations.current("something-else", request=request) == generations.current("something-else")


def test_without_a_loaded_session_the_generations_are_read(session_key: str, reads) -> None:
    request = _request(session_key)  # never accessed: nothing read with it
    assert generations.current("records", request=request) == generations.current("records")
    assert request.session.prefetched_generations is None
    reads.clear()
    generations.current("records", request=RequestFactory().get("/"))  # no session at all
    assert reads


def test_a_session_the_cache_lost_comes_from_the_database(session_key: str) -> None:
    cache.delete(DjangoCachedDBStore.cache_key_prefix + session_key)
    request = _request(session_key)
    assert request.session["who"] == "reviewer"
    assert generations.current("records", request=request) == generations.current("records")
    assert cache.get(DjangoCachedDBStore.cache_key_prefix + session_key) == {"who": "reviewer"}  # cached again


def test_sessions_of_djangos_cached_db_and_these_are_the_same(session_key: str) -> None:
    assert DjangoCachedDBStore(session_key)["who"] == "reviewer"
    theirs = DjangoCachedDBStore()
    theirs["who"] = "clerk"
    theirs.save()
    assert SessionStore(theirs.session_key)["who"] == "clerk"
    ours = SessionStore(session_key)
    ours.flush()
    assert not DjangoCachedDBStore().exists(session_key)


def test_a_session_of_another_cache_reads_only_the_session(session_key: str, settings, reads) -> None:
    settings.SESSION_CACHE_ALIAS = "sessions"
    settings.CACHES = {**settings.CACHES, "sessions": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache",
                                                       "LOCATION": "sessions-test"}}
    store = SessionStore()
    store["who"] = "clerk"
    store.save()
    request = _request(store.session_key)
    assert request.session["who"] == "clerk"
    assert request.session.prefetched_generations is None
