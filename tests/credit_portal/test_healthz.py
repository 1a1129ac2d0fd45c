"""/healthz: the state of the database and, when configured, Redis and the Celery broker."""

from __future__ import annotations

import os

import pytest
from django.db import OperationalError
from django.test import override_settings

from credit_portal import views

# Nothing listens on port 1: connections are refused at once, so the failing checks
# answer within milliseconds.
CLOSED = "redis://127.0.0.1:1/0"
CLOSED_WITH_PASSWORD = "redis://:Hz-4r9q2w@127.0.0.1:1/0"

pytestmark = pytest.mark.django_db


def test_embedded_profile_reports_the_database(client, settings):
    settings.REDIS_URL = ""

    response = client.get("/healthz")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert {k: response.json()[k] for k in ("status", "checks")} == {"status": "ok", "checks": {"database": "ok"}}
    assert "no-cache" in response["Cache-Control"]


def test_only_get_is_answered(client):
    assert client.post("/healthz").status_code == 405


def test_unreachable_redis_and_broker_answer_503(client):
    with override_settings(REDIS_URL=CLOSED, CELERY_BROKER_URL=CLOSED):
        response = client.get("/healthz")

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "error"
    assert body["checks"]["database"] == "ok"
    assert body["checks"]["redis"] == "error: ConnectionError"
    assert body["checks"]["broker"].startswith("error: ")


def test_failure_names_no_url_or_password(client):
    with override_settings(REDIS_URL=CLOSED_WITH_PASSWORD, CELERY_BROKER_URL=CLOSED_WITH_PASSWORD):
        response = client.get("/healthz")

    assert response.status_code == 503
    assert b"Hz-4r9q2w" not in response.content
    assert b"127.0.0.1" not in response.content


def test_database_down_answers_503(client, monkeypatch, settings):
    settings.REDIS_URL = ""

    def refuse(*args, **kwargs):
        raise OperationalError("connection refused")

    monkeypatch.setattr(views.connection, "cursor", refuse)

    response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json() == {"status": "error", "checks": {"database": "error: OperationalError"}}


@pytest.mark.redis
@pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="needs Redis: set REDIS_URL=redis://...")
def test_live_redis_and_broker_answer_200(client, settings):
    assert settings.REDIS_URL

    response = client.get("/healthz")

    assert response.status_code == 200
    assert {k: response.json()[k] for k in ("status", "checks")} == {
        "status": "ok", "checks": {"database": "ok", "redis": "ok", "broker": "ok"}
    }


def test_the_redis_client_is_built_once_per_url(client, monkeypatch):
    import redis

    built = []
    real = redis.Redis.from_url

    def from_url(url, **kwargs):
        built.append(url)
        return real(url, **kwargs)

    monkeypatch.setattr(views, "_probe_clients", {})
    monkeypatch.setattr(redis.Redis, "from_url", from_url)
    with override_settings(REDIS_URL=CLOSED, CELERY_BROKER_URL=CLOSED):
        for _ in range(3):
            assert client.get("/healthz").json()["checks"]["redis"] == "error: ConnectionError"
    with override_settings(REDIS_URL=CLOSED_WITH_PASSWORD, CELERY_BROKER_URL=CLOSED_WITH_PASSWORD):
        assert client.get("/healthz").status_code == 503  # another URL: its own client
    assert built == [CLOSED, CLOSED_WITH_PASSWORD]


def test_a_broker_on_the_same_redis_is_not_connected_to_again(client, monkeypatch):
    from credit_portal.celery import app

    def no_second_connection(*args, **kwargs):
        raise AssertionError("the broker is the Redis just pinged")

    monkeypatch.setattr(app, "connection_for_write", no_second_connection)
    with override_settings(REDIS_URL=CLOSED, CELERY_BROKER_URL=CLOSED):
        response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json()["checks"]["broker"] == "error: ConnectionError"


def test_a_broker_elsewhere_is_checked_on_its_own(client):
    # Redis down, the broker (another URL, here kombu's in-memory transport) up: each
    # answers for itself, and one failure is enough for 503.
    with override_settings(REDIS_URL=CLOSED, CELERY_BROKER_URL="memory://localhost//"):
        response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json()["checks"] == {"database": "ok", "redis": "error: ConnectionError", "broker": "ok"}
