"""Sessions keep their idle timeout without a write on every request."""

from __future__ import annotations

import pytest
import time_machine
from django.conf import settings
from django.contrib.sessions.models import Session
from django.utils import timezone

from credit_portal.prepared import source
from credit_portal.roles import Role
from tests import factories as f

pytestmark = pytest.mark.django_db


def _expiry(client) -> object:
    return Session.objects.get(session_key=client.session.session_key).expire_date


def test_a_page_view_within_the_minute_does_not_write_the_session(client):
    with time_machine.travel(timezone.now(), tick=False) as clock:
        client.force_login(f.make_user(roles=(Role.CITIZEN,)))
        client.get("/")  # the first view after log-in stamps the session
        first = _expiry(client)
        clock.shift(30)
        response = client.get("/")
        assert settings.SESSION_COOKIE_NAME not in response.cookies
        assert _expiry(client) == first


def test_a_page_view_after_the_minute_pushes_the_expiry(client):
    with time_machine.travel(timezone.now(), tick=False) as clock:
        client.force_login(f.make_user(roles=(Role.CITIZEN,)))
        client.get("/")
        first = _expiry(client)
        clock.shift(settings.SESSION_REFRESH_SECONDS + 1)
        response = client.get("/")
        assert settings.SESSION_COOKIE_NAME in response.cookies
        assert (_expiry(client) - first).total_seconds() > settings.SESSION_REFRESH_SECONDS


def test_an_idle_session_still_expires(client):
    with time_machine.travel(timezone.now(), tick=False) as clock:
        client.force_login(f.make_user(roles=(Role.CITIZEN,)))
        client.get("/")
        clock.shift(settings.SESSION_COOKIE_AGE + 1)
        assert client.get("/my/").status_code == 302  # signed out: sent to log in


def test_an_anonymous_visit_creates_no_session(client):
    response = client.get("/")
    assert settings.SESSION_COOKIE_NAME not in response.cookies
    assert not Session.objects.exists()


CACHED_DB = "django.contrib.sessions.backends.cached_db"


def test_cached_sessions_make_no_session_query_and_stay_revocable(settings):
    """With Redis (production) sessions are read from the cache: a signed-in page makes no
    session query. Signing out still ends the session server-side: a copy of the cookie
    kept from before is refused afterwards."""
    from django.core.cache import cache
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    settings.SESSION_ENGINE = CACHED_DB
    cache.clear()
    user = f.make_user(roles=(Role.CITIZEN,))
    client = Client()
    client.force_login(user)
    client.get("/")  # the first view after log-in stamps (saves) the session
    with CaptureQueriesContext(connection) as captured:
        assert client.get("/").status_code == 200
    assert captured.captured_queries  # the page itself still reads
    assert not any("django_session" in source(q["sql"]) for q in captured.captured_queries)
    assert Session.objects.filter(session_key=client.session.session_key).exists()  # written through

    copied = client.cookies[settings.SESSION_COOKIE_NAME].value
    client.post("/accounts/logout/")
    thief = Client()
    thief.cookies[settings.SESSION_COOKIE_NAME] = copied
    assert thief.get("/my/").status_code == 302  # sent to sign in
    assert not Session.objects.filter(session_key=copied).exists()
