"""Text messages: a row per message in the caller's transaction (the truth), a Celery
task keyed by it that sends once, retries through the signed HTTP gateway, one
signature everywhere, nothing in clear in the table."""

from __future__ import annotations

import json
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

import pytest
import time_machine
from django.db import connection, transaction
from django.utils import timezone

from credit_portal import notify
from credit_portal.models import SMSMessage
from credit_portal.notify import MemorySMSBackend
from credit_portal.tasks import deliver_pending_sms, deliver_sms

pytestmark = pytest.mark.django_db

PHONE = "13812345678"


@pytest.fixture
def outbox(settings: Any, monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str]]:
    from credit_portal.celery import app

    # Messages go through the Celery task; run it in-process even where REDIS_URL is set.
    monkeypatch.setattr(app.conf, "task_always_eager", True)
    settings.SMS_BACKEND = "credit_portal.notify.MemorySMSBackend"
    MemorySMSBackend.outbox = []
    return MemorySMSBackend.outbox


def test_message_is_queued_on_commit_sent_once_with_the_one_signature(outbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks, transaction.atomic():
        notify.queue_sms(PHONE, "您的异议已受理。", key="notice:1")
        notify.queue_sms(PHONE, "您的异议已受理。", key="notice:1")  # asked twice: one row
    assert SMSMessage.objects.count() == 1
    assert outbox == []
    message = SMSMessage.objects.get()
    # The task takes the id as a string: it survives Celery's JSON serializer.
    assert json.loads(json.dumps(str(message.pk))) == str(message.pk)
    for callback in callbacks:
        callback()
    assert outbox == [(PHONE, "【信用档案】您的异议已受理。")]
    deliver_sms.apply(args=[str(message.pk)])  # a second run sends nothing more
    assert len(outbox) == 1
    message.refresh_from_db()
    assert message.sent_at is not None
    assert message.attempts == 1


def test_rolled_back_change_sends_nothing(outbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        try:
            with transaction.atomic():
                notify.queue_sms(PHONE, "x", key="notice:2")
                raise RuntimeError
        except RuntimeError:
            pass
    assert outbox == []
    assert not SMSMessage.objects.exists()


def test_phone_and_text_are_not_in_clear_in_the_table(outbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        notify.queue_sms(PHONE, "验证码是 482913", key="registration:x")
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT * FROM "{SMSMessage._meta.db_table}"')  # noqa: S608
        rows = repr(cursor.fetchall())
    assert PHONE not in rows
    assert "482913" not in rows


class _Gateway(BaseHTTPRequestHandler):
    received: list[dict[str, Any]] = []
    status = 200

    def do_POST(self) -> None:  # noqa: N802 - http.server's name
        body = self.rfile.read(int(self.headers["Content-Length"]))
        type(self).received.append({"headers": {k.lower(): v for k, v in self.headers.items()}, "body": body})
        self.send_response(type(self).status)
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def gateway(settings: Any, monkeypatch: pytest.MonkeyPatch):
    from credit_portal.celery import app

    monkeypatch.setattr(app.conf, "task_always_eager", True)
    _Gateway.received = []
    _Gateway.status = 200
    server = HTTPServer(("127.0.0.1", 0), _Gateway)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.SMS_BACKEND = "credit_portal.notify.HTTPGatewaySMSBackend"
    settings.SMS_GATEWAY_URL = f"http://127.0.0.1:{server.server_port}/send"
    settings.SMS_GATEWAY_SECRET = "a-shared-secret-of-the-gateway"
    settings.SMS_GATEWAY_ACCOUNT = "credit-portal"
    yield _Gateway
    server.shutdown()
    server.server_close()


def test_gateway_requests_are_signed_with_hmac_sm3(gateway, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        notify.queue_sms(PHONE, "您有一条新通知。", key="notice:3")
    (request,) = gateway.received
    headers = request["headers"]
    expected = notify.gateway_signature(
        b"a-shared-secret-of-the-gateway", headers["x-sms-timestamp"], headers["x-sms-nonce"], request["body"]
    )
    assert headers["x-sms-signature"] == expected
    payload = json.loads(request["body"])
    assert payload == {"account": "credit-portal", "phone": PHONE, "message": "【信用档案】您有一条新通知。"}
    # A forged body does not match the signature.
    assert notify.gateway_signature(
        b"a-shared-secret-of-the-gateway", headers["x-sms-timestamp"], headers["x-sms-nonce"], request["body"] + b" "
    ) != expected
    assert SMSMessage.objects.get().sent_at is not None


def test_refused_send_stays_queued_and_the_sweep_sends_it_later(gateway, settings, django_capture_on_commit_callbacks):
    gateway.status = 503
    with django_capture_on_commit_callbacks(execute=True):
        notify.queue_sms(PHONE, "稍后送达。", key="notice:4")
    message = SMSMessage.objects.get()
    assert message.sent_at is None
    assert message.failed_at is None
    assert "503" in message.last_error
    assert PHONE not in message.last_error
    gateway.status = 200
    with time_machine.travel(timezone.now() + timedelta(minutes=2)):
        assert deliver_pending_sms.apply().get() == 1
    message.refresh_from_db()
    assert message.sent_at is not None
    assert message.attempts == 2


def test_message_is_given_up_after_the_last_attempt_not_lost_silently(gateway, settings, caplog):
    settings.SMS_MAX_ATTEMPTS = 2
    gateway.status = 500
    notify.queue_sms(PHONE, "x", key="notice:5")
    message = SMSMessage.objects.get()
    for minutes in (2, 4, 6):  # the third sweep finds nothing left to try
        with time_machine.travel(timezone.now() + timedelta(minutes=minutes)):
            deliver_pending_sms.apply()
    message.refresh_from_db()
    assert message.failed_at is not None
    assert message.attempts == 2
    assert "given up" in caplog.text
    assert PHONE not in caplog.text


def test_a_claimed_message_is_not_sent_by_a_second_worker(outbox):
    notify.queue_sms(PHONE, "x", key="notice:6")
    message = SMSMessage.objects.get()
    SMSMessage.objects.filter(pk=message.pk).update(sent_at=None, claimed_until=timezone.now() + timedelta(minutes=1))
    assert notify.claim(str(message.pk)) is False
