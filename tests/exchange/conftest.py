from __future__ import annotations

import json
import time
import uuid
from typing import Any

import pytest
from django.contrib.auth.models import Permission
from django.utils import timezone

from exchange.models import MunicipalPlatform, OutboxEvent
from exchange.signing import SIGNATURE_HEADER, TIMESTAMP_HEADER, canonical_json, key_from_setting, sign
from tests import factories as f
from tests.archives.conftest import World, world  # noqa: F401 - the archives fixture, reused

__all__ = ["World", "world"]

SUBJECT_INDEX = "a" * 64


def record_payload(**overrides: Any) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "record_id": 1, "lineage": str(uuid.uuid4()), "version": 1, "state": "published", "category": "violations",
        "polarity": "negative", "severity": "general", "title": "违规有偿补课", "decision_number": "示教罚〔2026〕12号",
        "deciding_body": "示范市教育局", "occurred_on": "2026-03-02", "decided_on": "2026-03-20",
        "display_until": "2027-03-20", "domain": None, "unit_credit_code": None, "under_objection": False,
        "subject_was_minor": False, "supersedes": None, "reason": None, "subject_id": str(uuid.uuid4()),
        "subject_index": SUBJECT_INDEX, "name": "测试甲", "occupation": "teacher", "department": "education",
    }
    payload.update(overrides)
    return payload


def envelope(event_type: str = "record.published", payload: dict[str, Any] | None = None, **overrides: Any) -> dict[str, Any]:
    env: dict[str, Any] = {
        "idempotency_key": str(uuid.uuid4()),
        "event_type": event_type,
        "schema_version": 1,
        "occurred_at": timezone.now().isoformat(),
        "aggregate": {"type": "archives.creditrecord", "id": "1"},
        "payload": record_payload() if payload is None else payload,
    }
    env.update(overrides)
    return env


def signed_post(client: Any, events: list[dict[str, Any]], *, timestamp: int | None = None, key: bytes | None = None,
                body: bytes | None = None) -> Any:
    body = body if body is not None else canonical_json({"schema_version": 1, "source": "test", "events": events})
    headers = sign(body, key=key or key_from_setting("PLATFORM_SIGNING_KEY"), timestamp=timestamp)
    return client.post(
        "/exchange/receive/", data=body, content_type="application/json",
        headers={TIMESTAMP_HEADER: headers[TIMESTAMP_HEADER], SIGNATURE_HEADER: headers[SIGNATURE_HEADER]},
    )


def make_events(n: int, **fields: Any) -> list[OutboxEvent]:
    events = [
        OutboxEvent(event_type="record.published", aggregate_type="archives.creditrecord", aggregate_id=str(i + 1),
                    payload=record_payload(record_id=i + 1), **fields)
        for i in range(n)
    ]
    return OutboxEvent.objects.bulk_create(events)


def http_platform(url: str, name: str = "city") -> MunicipalPlatform:
    MunicipalPlatform.objects.filter(embedded=True).update(active=False)
    return MunicipalPlatform.objects.create(name=name, url=url, embedded=False, active=True)


def user_with(*codenames: str, username: str | None = None) -> Any:
    user = f.make_user(username)
    for codename in codenames:
        user.user_permissions.add(Permission.objects.get(content_type__app_label="exchange", codename=codename))
    return user


def now_ts() -> int:
    return int(time.time())


def receipts(response: Any) -> list[dict[str, Any]]:
    return json.loads(response.content)["receipts"]


@pytest.fixture
def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
