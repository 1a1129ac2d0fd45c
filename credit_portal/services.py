"""Writes of the base app: roles, credential resets, second-factor enrolment (DESIGN §8, 三权分立).

Separation of duties holds here, in the services, whatever page or command calls them:

* roles are granted and revoked by the security administrator (``credit_portal.assign_role``),
  never to oneself, never into a conflicting pair (``credit_portal.roles.CONFLICTING_ROLES``);
* a staff account's password and second factor are reset by the security administrator
  (``credit_portal.reset_credentials``) for others only, never for a superuser (which is
  for installation and is handled on the command line). A reset sends a random temporary
  password to the owner's e-mail — the security administrator never sees it — forces a new
  password at next sign-in, removes the owner's authenticator devices so a new one must be
  enrolled, and the owner is told of it by that e-mail and on the page that asks for the
  new password;
* a second factor is enrolled only with a one-time enrolment code the security
  administrator issued to its owner (so a password alone, whoever holds it, is not enough);
* a staff account's e-mail address, where a reset's temporary password goes, changes only
  through ``change_staff_email``: by the account administrator (``change_user``), never
  for oneself, a superuser or an administrator (whose address changes at the console),
  audited, with a notice to the old address; a reset within ``EMAIL_CHANGE_COOLING_OFF``
  of a change is refused.

Each write is one transaction with its audit entry (``credit_portal.<object>.<verb>``).
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from datetime import timedelta

from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.conf import settings
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from credit_portal import audit
from credit_portal.crypto import sm3_hexdigest
from credit_portal.models import EnrolmentCode, User
from credit_portal.roles import ADMINISTRATOR_ROLES, Role, conflicting_roles

ENROLMENT_CODE_VALIDITY = timedelta(hours=72)
# After a staff account's e-mail address changes, no credential reset for this long: the
# old address was told of the change and its owner has a working week to object before a
# temporary password can go to the new one.
EMAIL_CHANGE_COOLING_OFF = timedelta(days=7)
EMAIL_CHANGED = "credit_portal.user.email_changed"
# Crockford-style alphabet without look-alikes (0/O, 1/I/L): read aloud or typed from paper.
_CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"


class SeparationOfDuties(ValidationError):
    """The change would let one person hold what separation of duties keeps apart."""


def _refuse_self(user: User, by: User) -> None:
    if user.pk == by.pk:
        raise SeparationOfDuties(_("Nobody may change their own roles, memberships or credentials."), code="self")


def _role(name: str) -> Role:
    try:
        return Role(name)
    except ValueError:
        raise ValidationError(_("Unknown role."), code="unknown_role") from None


def _role_change(user: User, role: str, by: User) -> Role:
    """Who may change a user's roles (``credit_portal.assign_role``, never their own), and the role named."""
    if not by.has_perm("credit_portal.assign_role"):
        raise PermissionDenied
    _refuse_self(user, by)
    return _role(role)


def grant_role(user: User, role: str, *, by: User, request: HttpRequest | None = None) -> None:
    """Give ``user`` the role group ``role``. Who: ``credit_portal.assign_role``, not for oneself."""
    role = _role_change(user, role, by)
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        held = set(locked.groups.values_list("name", flat=True))
        if role in held:
            return
        if role in ADMINISTRATOR_ROLES and locked.memberships.exists():  # type: ignore[attr-defined]
            raise SeparationOfDuties(
                _("An administrator (system, security or audit) may not be a member of a department."),
                code="administrator",
            )
        conflicts = conflicting_roles(held | {role})
        if conflicts:
            raise SeparationOfDuties(
                [
                    _("One person may not be both %(first)s and %(second)s (separation of duties).")
                    % {"first": Role(a).label, "second": Role(b).label}
                    for a, b in conflicts
                ],
                code="separation_of_duties",
            )
        locked.groups.add(Group.objects.get(name=role))
        audit.record("credit_portal.role.granted", actor=by, target=locked, detail={"role": str(role)}, request=request)


def revoke_role(user: User, role: str, *, by: User, request: HttpRequest | None = None) -> None:
    """Take the role group ``role`` from ``user``. Who: ``credit_portal.assign_role``, not for oneself."""
    role = _role_change(user, role, by)
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        group = locked.groups.filter(name=role).first()
        if group is None:
            return
        locked.groups.remove(group)
        audit.record("credit_portal.role.revoked", actor=by, target=locked, detail={"role": str(role)}, request=request)


def _new_code() -> str:
    raw = "".join(secrets.choice(_CODE_ALPHABET) for _ in range(16))
    return "-".join(raw[i : i + 4] for i in range(0, 16, 4))


def _code_digest(code: str) -> str:
    normalized = "".join(ch for ch in code.upper() if ch.isalnum())
    return sm3_hexdigest(f"credit_portal.enrolment.v1:{normalized}".encode())


def _refuse_account_target(user: User, by: User, *, permission: str, superuser_refusal: str) -> None:
    """An administrator holding ``permission`` acts on another account, never on their
    own nor on a superuser's (the superuser is for installation only)."""
    if not by.has_perm(permission):
        raise PermissionDenied
    _refuse_self(user, by)
    if user.is_superuser:
        raise SeparationOfDuties(superuser_refusal, code="superuser")


def _refuse_reset_target(user: User, by: User) -> None:
    _refuse_account_target(user, by, permission="credit_portal.reset_credentials", superuser_refusal=_(
        "A superuser's credentials are not reset here; the superuser is for installation only."))


def _enrolment_code(user: User, *, by: User | None, request: HttpRequest | None, channel: str = "") -> str:
    """A new one-time enrolment code for ``user``; earlier unused ones stop working. Audited."""
    code = _new_code()
    now = timezone.now()
    with transaction.atomic():
        EnrolmentCode.objects.filter(user=user, used_at=None).update(used_at=now)
        issued = EnrolmentCode.objects.create(
            user=user, code_digest=_code_digest(code), issued_by=by, expires_at=now + ENROLMENT_CODE_VALIDITY
        )
        detail = {"code_id": issued.pk, **({"channel": channel} if channel else {})}
        audit.record("credit_portal.enrolment_code.issued", actor=by, target=user, detail=detail, request=request)
    return code


def issue_enrolment_code(user: User, *, by: User, request: HttpRequest | None = None) -> str:
    """Issue a one-time code with which ``user`` may enrol an authenticator; return it (shown once).

    Who: ``credit_portal.reset_credentials`` (the security administrator), for others
    only. Earlier unused codes of the user stop working. Valid 72 hours.
    """
    _refuse_reset_target(user, by)
    return _enrolment_code(user, by=by, request=request)


def issue_enrolment_code_at_console(user: User) -> str:
    """Issue an enrolment code from the server's console (installation: the first
    administrators, before anyone can sign in to issue one). Whoever runs commands on the
    server holds the keys already; the code is still recorded in the trail."""
    return _enrolment_code(user, by=None, request=None, channel="console")


def reset_staff_credentials(user: User, *, by: User, request: HttpRequest | None = None) -> str:
    """Reset ``user``'s password and second factor; return a new enrolment code (shown once).

    The temporary password goes to the owner's e-mail only; the owner must choose a new
    password and enrol a new authenticator (with the returned code, which the security
    administrator hands over) at next sign-in. Refused for oneself, for a superuser and
    for an account without an e-mail address (the system administrator adds one first).
    """
    _refuse_reset_target(user, by)
    if not user.email:
        raise ValidationError(
            _("This account has no e-mail address for the temporary password; the system administrator adds one first."),
            code="no_email",
        )
    # A reset right after an address change is refused rather than mailed to the address
    # on file before the change: that one may be lost for good (which is why it was
    # changed), and a refusal is visible to both administrators and ends by itself,
    # while the old address's owner has had the notice of the change to object. Whoever
    # changed the address (or had it changed) cannot have the temporary password sent
    # to it before then. The trail, append-only, is the record of the change.
    changed = last_email_change(user)
    if changed is not None and changed > timezone.now() - EMAIL_CHANGE_COOLING_OFF:
        raise SeparationOfDuties(
            _(
                "This account's e-mail address was changed on %(date)s. Its password can be reset from "
                "%(until)s, once the owner has had time to object to the change; until then the owner "
                "signs in as before or comes to the security administrator in person."
            )
            % {
                "date": timezone.localtime(changed).strftime("%Y-%m-%d %H:%M"),
                "until": timezone.localtime(changed + EMAIL_CHANGE_COOLING_OFF).strftime("%Y-%m-%d %H:%M"),
            },
            code="email_recently_changed",
        )
    temporary = secrets.token_urlsafe(12)
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        locked.set_password(temporary)
        locked.must_change_password = True
        locked.credentials_reset_at = timezone.now()
        locked.save(update_fields=["password", "must_change_password", "credentials_reset_at"])
        removed, _by_model = TOTPDevice.objects.filter(user=locked).delete()
        audit.record("credit_portal.credentials.reset", actor=by, target=locked,
                     detail={"devices_removed": removed}, request=request)
        code = issue_enrolment_code(locked, by=by, request=request)
        email = locked.email
        transaction.on_commit(lambda: _notify_reset(email, temporary))
    return code


def _tell(address: str, subject: str, body: str) -> None:
    """One message to a staff account's address, from the portal's sender (after the commit)."""
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [address])


def _notify_reset(email: str, temporary: str) -> None:
    _tell(email, _("Your portal password was reset"), _(
        "The security administrator reset the password and the authenticator of your staff account. "
        "Sign in with this temporary password, then choose a new one:\n\n%(password)s\n\n"
        "Ask the security administrator in person for the enrolment code of your new authenticator. "
        "If you did not ask for this, tell the security administrator at once."
    ) % {"password": temporary})


def last_email_change(user: User):  # noqa: ANN201 - datetime | None
    """When ``user``'s e-mail address last changed, from the audit trail (None: never)."""
    from credit_portal.models import AuditEntry

    return (
        AuditEntry.objects.filter(action=EMAIL_CHANGED, object_type=user._meta.label_lower, object_id=str(user.pk))
        .order_by("-created_at")
        .values_list("created_at", flat=True)
        .first()
    )


def _refuse_email_change(user: User, by: User) -> None:
    _refuse_account_target(user, by, permission="credit_portal.change_user", superuser_refusal=_(
        "A superuser's e-mail address is not changed here; the superuser is for installation only."))
    # The address receives the account's temporary passwords: an administrator's is not
    # in reach of another administrator (三权分立, the same peers CONFLICTING_ROLES keeps
    # apart). It changes at the server's console (manage.py change_staff_email).
    held = [Role(name).label for name in user.groups.values_list("name", flat=True) if name in ADMINISTRATOR_ROLES]
    if held:
        raise SeparationOfDuties(
            _(
                "The e-mail address of an administrator (%(role)s) is not changed by another administrator "
                "(separation of duties); it is changed at the server's console."
            )
            % {"role": "、".join(str(label) for label in held)},
            code="administrator",
        )


def change_staff_email(user: User, email: str, *, by: User | None, request: HttpRequest | None = None) -> bool:
    """Set ``user``'s e-mail address; False if it is already that address.

    Who: the account administrator (``credit_portal.change_user``), for others only, never
    for a superuser or an administrator; ``by=None`` is the server's console (installation,
    ``manage.py change_staff_email``), which may change any account's. Audited as
    ``credit_portal.user.email_changed`` (never the addresses themselves); the old address,
    if any, is told. For ``EMAIL_CHANGE_COOLING_OFF`` afterwards the credentials are not reset.
    """
    if by is not None:
        _refuse_email_change(user, by)
    email = User.objects.normalize_email((email or "").strip())
    if email:
        from django.core.validators import validate_email

        validate_email(email)
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        old = locked.email
        if old == email:
            return False
        locked.email = email
        locked.save(update_fields=["email"])
        audit.record(EMAIL_CHANGED, actor=by, target=locked, request=request, detail={
            "had_address": bool(old), "has_address": bool(email),
            "channel": "console" if by is None else "admin",
        })
        if old:
            transaction.on_commit(lambda: _notify_email_change(old, locked.get_username()))
    user.email = email
    return True


def _notify_email_change(old: str, username: str) -> None:
    _tell(old, _("The e-mail address of your portal account was changed"), _(
        "The e-mail address of the staff account %(username)s was changed; messages for the account, "
        "temporary passwords included, no longer come to this address. For %(days)s days its "
        "password cannot be reset. If you did not ask for this, tell the security administrator at once."
    ) % {"username": username, "days": EMAIL_CHANGE_COOLING_OFF.days})


def redeemable_code(user: User, code: str) -> EnrolmentCode | None:
    """The unused, unexpired enrolment code of ``user`` matching ``code``, or None."""
    return (
        EnrolmentCode.objects.filter(
            user=user, code_digest=_code_digest(code), used_at=None, expires_at__gt=timezone.now()
        )
        .order_by("-created_at")
        .first()
    )


def complete_enrolment(user: User, *, device: TOTPDevice, code_id: int, request: HttpRequest | None = None) -> bool:
    """Confirm ``device`` and spend the enrolment code; False if the code was spent meanwhile."""
    with transaction.atomic():
        spent = EnrolmentCode.objects.filter(
            pk=code_id, user=user, used_at=None, expires_at__gt=timezone.now()
        ).update(used_at=timezone.now())
        if spent != 1:
            return False
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        audit.record("credit_portal.totp.enrolled", actor=user, target=user, detail={"device": device.pk},
                     request=request)
    return True


def change_own_password(user: User, new_password: str, *, request: HttpRequest | None = None) -> None:
    """The owner sets their own password (the forced change after a reset or a new account)."""
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        locked.set_password(new_password)
        locked.must_change_password = False
        locked.save(update_fields=["password", "must_change_password"])
        # The password_changed entry itself comes from credit_portal.signals.
    user.password = locked.password
    user.must_change_password = False


def unlock_accounts(attempts: Iterable[AccessAttempt], *, by: User, request: HttpRequest | None = None) -> int:
    """Delete django-axes lock-out records (an admin "unlock"), one audit entry each; return how many.

    Who: the security administrator alone (:func:`credit_portal.permissions.can_unlock_accounts`):
    lifting a lock-out reopens an account to password guessing, a security setting under
    三权分立 (DESIGN §8). The entry ``credit_portal.account.unlocked`` names the account
    by its handle (axes counts a citizen's phone number under the handle or a digest,
    never the number, ``disclosure.auth.axes_username``) and points at the account when
    one exists.
    """
    from credit_portal.permissions import can_unlock_accounts

    if not can_unlock_accounts(by):
        raise PermissionDenied
    removed = 0
    with transaction.atomic():
        for attempt in attempts:
            handle = attempt.username or ""
            account = User.objects.filter(username=handle).first() if handle else None
            audit.record(
                "credit_portal.account.unlocked", actor=by, target=account, request=request,
                detail={
                    "account": account.get_username() if account is not None else "",
                    "known_account": account is not None,
                    "failures": attempt.failures_since_start,
                },
            )
            attempt.delete()
            removed += 1
    return removed


def delete_access_logs(entries: Iterable[AccessLog | AccessFailureLog], *, by: User, request: HttpRequest | None = None) -> int:
    """Delete django-axes sign-in log rows, recorded in the trail (``credit_portal.access_log.deleted``).

    Who: the security administrator alone, as for unlocking. The rows are the security
    administrator's working list; the audit trail keeps the sign-in events regardless.
    """
    from credit_portal.permissions import can_unlock_accounts

    if not can_unlock_accounts(by):
        raise PermissionDenied
    removed = 0
    with transaction.atomic():
        for row in entries:
            audit.record("credit_portal.access_log.deleted", actor=by, request=request,
                         detail={"log": row._meta.model_name, "row": row.pk})
            row.delete()
            removed += 1
    return removed
