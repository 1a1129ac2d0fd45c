"""Demo data of the foundation: one account per role (DESIGN §11).

``manage.py load_demo_data`` calls ``load(stdout)`` here first, then the ``demo``
module of each later app. Everything is get-or-create, so a second run changes
nothing. Passwords are generated on the first run and kept in
``settings.LOCAL_DIR / "demo_accounts.json"`` (ignored by git, mode 0600) so every run
prints the same ones; delete that file to get new passwords. The people are
obviously fictitious: their names say "demo".

Later apps use ``demo_user()`` for their own accounts, so the password file and the
printed table stay one.
"""

from __future__ import annotations

import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction

from credit_portal import audit
from credit_portal.models import AuditEntry, User
from credit_portal.roles import Role, sync_role_groups

ACCOUNTS_FILE_NAME = "demo_accounts.json"


@dataclass(frozen=True)
class DemoAccount:
    username: str
    password: str
    role: str
    try_first: str


def refuse_in_production() -> None:
    if settings.PRODUCTION:
        raise ImproperlyConfigured("Demo data is never loaded in production (DJANGO_ENV=production).")


def password_file() -> Path:
    return Path(settings.LOCAL_DIR) / ACCOUNTS_FILE_NAME


def _read_passwords() -> dict[str, str]:
    path = password_file()
    if not path.exists():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except ValueError:
        return {}
    return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}


def _write_passwords(passwords: dict[str, str]) -> None:
    path = password_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    # Created private from the start (never world-readable, even for an instant), then
    # moved into place whole.
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(passwords, handle, indent=2, sort_keys=True)
    os.chmod(tmp, 0o600)
    os.replace(tmp, path)


def demo_password(username: str) -> tuple[str, bool]:
    """The stored demo password of ``username``, generated and stored when missing.

    Returns the password and whether it was generated now (the caller then sets it).
    """
    passwords = _read_passwords()
    if username in passwords:
        return passwords[username], False
    # Readable on a terminal: no 0/O/1/l confusion matters less than length here.
    password = secrets.token_urlsafe(12)
    passwords[username] = password
    _write_passwords(passwords)
    return password, True


def demo_user(
    username: str,
    *,
    full_name: str,
    role: str | None,
    try_first: str,
    is_staff: bool = False,
    is_superuser: bool = False,
) -> tuple[User, DemoAccount]:
    """Get or create a demo account in ``role``'s group, with its stored password."""
    refuse_in_production()
    password, generated = demo_password(username)
    user, created = User.objects.get_or_create(
        username=username,
        defaults={"full_name": full_name, "is_staff": is_staff or is_superuser, "is_superuser": is_superuser},
    )
    if created or generated:
        user.set_password(password)
        user.save(update_fields=["password"])
    if role is not None:
        group, _ = Group.objects.get_or_create(name=str(role))
        with transaction.atomic():
            user.groups.add(group)  # a no-op when already there
            # As services.grant_role writes it (no one acting: the demo loader), so that
            # verify_tables finds every role explained (credit_portal.role_check); also for
            # a demo account made before the loader wrote it, or whose role was revoked since.
            last = AuditEntry.objects.filter(
                action__in=["credit_portal.role.granted", "credit_portal.role.revoked"],
                object_type="credit_portal.user", object_id=str(user.pk), detail__role=str(role),
            ).order_by("-pk").values_list("action", flat=True).first()
            if last != "credit_portal.role.granted":
                audit.record("credit_portal.role.granted", target=user, detail={"role": str(role), "demo": True})
    label = str(Role(role).label) if role is not None else "superuser"
    return user, DemoAccount(username=username, password=password, role=label, try_first=try_first)


def load(stdout: TextIO) -> list[DemoAccount]:
    """Create the foundation's demo accounts; return them for the printed table.

    Department staff (clerk and reviewer of 教育局 and 卫健委) come from
    ``departments.demo``, which knows departments; this module stays below it (DESIGN §2).
    """
    refuse_in_production()
    sync_role_groups()
    accounts: list[DemoAccount] = []
    for username, role, full_name, is_staff, what in (
        ("demo_credit_office", Role.CREDIT_OFFICE, "演示信用办工作人员（虚构）", True,
         "/repair/office/: objection and repair queue; /exchange/operations/; /admin/: catalogue, calendar"),
        ("demo_auditor", Role.AUDITOR, "演示审计员（虚构）", True, "/admin/: read the audit trail; "
         "/admin/credit_portal/auditanchor/maintenance/: anchor the chain, retention purge"),
        ("demo_security_admin", Role.SECURITY_ADMIN, "演示安全管理员（虚构）", True,
         "/admin/: department memberships, lock-outs (unlocking is audited), second factors"),
        ("demo_system_admin", Role.SYSTEM_ADMIN, "演示系统管理员（虚构）", True, "/admin/: user accounts"),
        ("demo_citizen", Role.CITIZEN, "演示市民（虚构）", False, "/my/: own archive, authorizations, who queried; /repair/my/: objections and repair"),
        ("demo_institution", Role.INSTITUTION, "演示查询机构（虚构）", False,
         "/institution/: query a person's record with the code the demo printed"),
    ):
        _user, account = demo_user(username, full_name=full_name, role=role, is_staff=is_staff, try_first=what)
        accounts.append(account)

    _user, account = demo_user(
        "admin", full_name="演示超级管理员（虚构）", role=None, is_superuser=True,
        try_first="/admin/: everything (development only; breaks separation of duties by design)",
    )
    accounts.append(account)
    stdout.write(f"Foundation: {len(accounts)} demo accounts ready.\n")
    return accounts
