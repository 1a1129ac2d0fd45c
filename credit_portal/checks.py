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


def check_audit_key(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """An error for a malformed AUDIT_HMAC_KEY (the audit trail's MACs need it)."""
    from credit_portal.audit import current_key_version, keyed_mac

    try:
        keyed_mac("system-check", b"", version=current_key_version())
    except ImproperlyConfigured as exc:
        return [checks.Error(str(exc), id="credit_portal.E112")]
    return []


def check_no_active_superuser(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """A warning while an active superuser remains (``check --deploy``).

    A superuser holds every permission at once, which separation of duties (三权分立)
    forbids; it exists to install the portal and create the first administrators, then is
    deactivated. Before the tables exist (a fresh database) there is nothing to check.
    """
    from django.contrib.auth import get_user_model
    from django.db import DatabaseError

    try:
        count = get_user_model().objects.filter(is_superuser=True, is_active=True).count()
    except DatabaseError:
        return []
    if not count:
        return []
    return [
        checks.Warning(
            f"{count} active superuser account(s) remain. A superuser bypasses the separation of duties; "
            "it is for installation only.",
            hint="After creating the system, security and audit administrators, deactivate it: "
            "manage.py shell -c \"from credit_portal.models import User; "
            "User.objects.filter(is_superuser=True).update(is_active=False)\"",
            id="credit_portal.W130",
        )
    ]


def register() -> None:
    """Register this module's checks (idempotent: the registry is a set)."""
    from credit_portal.workdays import check_calendar

    checks.register(check_encryption_keys, checks.Tags.security)
    checks.register(check_audit_key, checks.Tags.security)
    checks.register(check_no_active_superuser, checks.Tags.security, deploy=True)
    checks.register(check_calendar, "calendar")
