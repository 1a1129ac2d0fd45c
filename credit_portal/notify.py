"""Text messages (SMS) to people: queued as rows, sent by a Celery task, never lost.

``queue_sms(phone, text, key=...)`` writes an ``SMSMessage`` row in the caller's
transaction and, once it commits, queues ``credit_portal.tasks.deliver_sms``. The row is
the truth (as the exchange outbox is, DESIGN §9): the task claims it with a conditional
UPDATE, so running twice sends once; a failed send is retried with exponential backoff;
a beat sweep re-queues what a lost task left behind. Every message carries the one
signature ``settings.SMS_SIGNATURE`` (【信用档案】), added here and nowhere else.

``settings.SMS_BACKEND`` names the class that sends, ``send(phone, message)``:

* ``HTTPGatewaySMSBackend``: production. POSTs JSON to ``SMS_GATEWAY_URL``, signed
  with HMAC-SM3 over ``<timestamp>.<nonce>.<body>`` with ``SMS_GATEWAY_SECRET``.
* ``FileSMSBackend``: development only (writes to a local file); production refuses
  to start with it (``credit_portal.settings``).
* ``MemorySMSBackend``: tests.

Nothing here logs a number or a text (DESIGN §8).
"""

from __future__ import annotations

import json
import logging
import secrets
import threading
import time
import urllib.error
import urllib.request
from datetime import timedelta
from functools import cache
from typing import Protocol

from cryptography.hazmat.primitives import hashes, hmac
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)
_file_lock = threading.Lock()

TIMESTAMP_HEADER = "X-SMS-Timestamp"
NONCE_HEADER = "X-SMS-Nonce"
SIGNATURE_HEADER = "X-SMS-Signature"
SIGNATURE_PREFIX = "hmac-sm3="


class SMSBackend(Protocol):
    def send(self, phone: str, message: str) -> None: ...


class SMSDeliveryError(Exception):
    """The gateway did not accept the message; the text names the cause, never the message."""


class FileSMSBackend:
    """Development backend: writes messages to ``settings.SMS_FILE_PATH``."""

    def send(self, phone: str, message: str) -> None:
        path = settings.SMS_FILE_PATH
        path.parent.mkdir(parents=True, exist_ok=True)
        with _file_lock, path.open("a", encoding="utf-8") as handle:
            handle.write(f"{timezone.now().isoformat()}\t{phone}\t{message}\n")
        logger.info("SMS written to the development outbox file")


class MemorySMSBackend:
    """Test backend: keeps messages in ``MemorySMSBackend.outbox``."""

    outbox: list[tuple[str, str]] = []

    def send(self, phone: str, message: str) -> None:
        self.outbox.append((phone, message))


def gateway_signature(secret: bytes, timestamp: str, nonce: str, body: bytes) -> str:
    mac = hmac.HMAC(secret, hashes.SM3())
    mac.update(timestamp.encode("ascii") + b"." + nonce.encode("ascii") + b"." + body)
    return SIGNATURE_PREFIX + mac.finalize().hex()


class HTTPGatewaySMSBackend:
    """Sends through an HTTP SMS gateway (the operator's or the city's platform).

    Request: ``POST SMS_GATEWAY_URL`` with JSON ``{"account": SMS_GATEWAY_ACCOUNT,
    "phone": ..., "message": ...}`` and the headers ``X-SMS-Timestamp`` (Unix seconds),
    ``X-SMS-Nonce`` (random hex) and ``X-SMS-Signature`` (``hmac-sm3=`` + hex HMAC-SM3 of
    ``<timestamp>.<nonce>.<body bytes>`` with ``SMS_GATEWAY_SECRET``), so the gateway can
    refuse forged and replayed requests. Any 2xx answer is success; anything else raises
    ``SMSDeliveryError`` and the task retries.
    """

    def __init__(self) -> None:
        url = getattr(settings, "SMS_GATEWAY_URL", "")
        secret = getattr(settings, "SMS_GATEWAY_SECRET", "")
        if not url or not secret:
            raise ImproperlyConfigured("SMS_GATEWAY_URL and SMS_GATEWAY_SECRET are required by the HTTP SMS gateway.")
        self.url = url
        self.secret = secret.encode("utf-8")
        self.account = getattr(settings, "SMS_GATEWAY_ACCOUNT", "")
        self.timeout = getattr(settings, "SMS_GATEWAY_TIMEOUT_SECONDS", 10)

    def send(self, phone: str, message: str) -> None:
        body = json.dumps(
            {"account": self.account, "phone": phone, "message": message}, ensure_ascii=False, separators=(",", ":")
        ).encode("utf-8")
        timestamp = str(int(time.time()))
        nonce = secrets.token_hex(16)
        request = urllib.request.Request(  # noqa: S310 - https URL set by the deployment
            self.url, data=body, method="POST",
            headers={
                "Content-Type": "application/json; charset=utf-8",
                TIMESTAMP_HEADER: timestamp,
                NONCE_HEADER: nonce,
                SIGNATURE_HEADER: gateway_signature(self.secret, timestamp, nonce, body),
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                status = response.status
        except urllib.error.HTTPError as exc:
            raise SMSDeliveryError(f"gateway answered HTTP {exc.code}") from None
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            raise SMSDeliveryError(f"gateway unreachable: {type(exc).__name__}") from None
        if not 200 <= status < 300:
            raise SMSDeliveryError(f"gateway answered HTTP {status}")


@cache
def _backend_class(path: str) -> type:
    return import_string(path)


def backend() -> SMSBackend:
    return _backend_class(settings.SMS_BACKEND)()


def signed(text: str) -> str:
    """``text`` with the portal's one SMS signature in front (【信用档案】…)."""
    return f"【{settings.SMS_SIGNATURE}】{text}"


def queue_sms(phone: str, text: str, *, key: str) -> None:
    """Queue ``text`` to ``phone``, once per ``key``, sent after the caller's commit."""
    from credit_portal.models import SMSMessage

    if not phone:
        return
    try:
        with transaction.atomic():
            message = SMSMessage.objects.create(key=key[:120], phone=phone, body=signed(text))
    except IntegrityError:
        return  # already queued under this key: asking twice sends once
    message_id = str(message.pk)
    transaction.on_commit(lambda: _enqueue(message_id), robust=True)


def _enqueue(message_id: str) -> None:
    from credit_portal.tasks import deliver_sms

    deliver_sms.delay(message_id)


def claim(message_id: str, *, lease_seconds: int = 60) -> bool:
    """Claim an unsent message for one delivery attempt (conditional UPDATE: two workers
    running the same task never both send)."""
    from credit_portal.models import SMSMessage

    now = timezone.now()
    return bool(
        SMSMessage.objects.filter(pk=message_id, sent_at__isnull=True, failed_at__isnull=True)
        .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
        .update(claimed_until=now + timedelta(seconds=lease_seconds), attempts=F("attempts") + 1)
    )


def deliver(message_id: str) -> bool:
    """Send one claimed message; True when sent, raises ``SMSDeliveryError`` to retry."""
    from credit_portal.models import SMSMessage

    message = SMSMessage.objects.get(pk=message_id)
    try:
        backend().send(message.phone, message.body)
    except SMSDeliveryError as exc:
        give_up = message.attempts >= settings.SMS_MAX_ATTEMPTS
        SMSMessage.objects.filter(pk=message.pk).update(
            last_error=str(exc)[:200], claimed_until=None, failed_at=timezone.now() if give_up else None
        )
        if give_up:
            logger.error("SMS %s given up after %s attempts: %s", message.pk, message.attempts, exc)
            return False
        raise
    SMSMessage.objects.filter(pk=message.pk).update(sent_at=timezone.now(), claimed_until=None, last_error="")
    return True


def pending_message_ids(limit: int = 500) -> list[str]:
    """Unsent messages that no live claim holds: what the beat sweep re-queues."""
    from credit_portal.models import SMSMessage

    now = timezone.now()
    rows = (
        SMSMessage.objects.filter(sent_at__isnull=True, failed_at__isnull=True)
        .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
        .filter(created_at__lt=now - timedelta(seconds=30))
        .order_by("created_at")
        .values_list("pk", flat=True)[:limit]
    )
    return [str(pk) for pk in rows]
