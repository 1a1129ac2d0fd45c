"""System checks for the field-encryption settings (DESIGN §8).

``manage.py check``, ``migrate`` and ``runserver`` then refuse to start with malformed
keys instead of failing at the first encrypted read or write. Register once from the
app config: ``CreditPortalConfig.ready()`` calls ``register()``.
"""

from __future__ import annotations

from typing import Any

from django.core import checks
from django.core.exceptions import ImproperlyConfigured

from credit_portal.crypto import blind_index, key_ring


def check_encryption_keys(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """Errors for a malformed FIELD_ENCRYPTION_KEYS / _KEY_CURRENT or BLIND_INDEX_KEY."""
    errors: list[checks.CheckMessage] = []
    try:
        key_ring()
    except ImproperlyConfigured as exc:
        errors.append(checks.Error(str(exc), id="credit_portal.E110"))
    try:
        blind_index("", purpose="system-check")
    except ImproperlyConfigured as exc:
        errors.append(checks.Error(str(exc), id="credit_portal.E111"))
    return errors


def register() -> None:
    """Register this module's checks (idempotent: the registry is a set)."""
    from credit_portal.workdays import check_calendar

    checks.register(check_encryption_keys, checks.Tags.security)
    checks.register(check_calendar, "calendar")
