"""Pluggable delivery of short messages to people (SMS; e-mail through Django).

``settings.SMS_BACKEND`` names a class with ``send(phone: str, message: str)``. The
development backend appends to a local file and logs only that a message went out,
never the number or the text (DESIGN §8).
"""

from __future__ import annotations

import logging
import threading
from functools import cache
from typing import Protocol

from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)
_file_lock = threading.Lock()


class SMSBackend(Protocol):
    def send(self, phone: str, message: str) -> None: ...


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


@cache
def _backend_class(path: str) -> type:
    return import_string(path)


def send_sms(phone: str, message: str) -> None:
    if not phone:
        return
    _backend_class(settings.SMS_BACKEND)().send(phone, message)
