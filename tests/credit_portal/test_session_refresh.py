"""Sessions keep their idle timeout without a write on every request."""

from __future__ import annotations

import pytest
import time_machine
from django.conf import settings
from django.contrib.sessions.models import Session
from django.utils import timezone

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
