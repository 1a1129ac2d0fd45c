"""Lock-outs and sign-in logs (django-axes): lifting a lock-out or deleting a log is the security
administrator's alone, through audited services."""

from __future__ import annotations

from typing import Any

from axes.admin import AccessAttemptAdmin, AccessFailureLogAdmin, AccessLogAdmin
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib import admin
from django.http import HttpRequest

from credit_portal import services
from credit_portal.permissions import can_unlock_accounts

admin.site.unregister(AccessAttempt)
admin.site.unregister(AccessLog)
admin.site.unregister(AccessFailureLog)


class _SecurityAdminDeletes:
    """Deleting is the security administrator's alone and goes through an audited service;
    axes' own "clean up expired attempts" action (an unaudited delete) is not offered."""

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return can_unlock_accounts(request.user)

    # Written by django-axes only: every field is shown read-only, and a POST to the change
    # form would still re-save the row, unaudited.
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        actions = super().get_actions(request)  # type: ignore[misc]
        actions.pop("cleanup_expired_attempts", None)
        return actions


@admin.register(AccessAttempt)
class LockOutAdmin(_SecurityAdminDeletes, AccessAttemptAdmin):
    def delete_model(self, request: HttpRequest, obj: AccessAttempt) -> None:
        services.unlock_accounts([obj], by=request.user, request=request)  # type: ignore[arg-type]

    def delete_queryset(self, request: HttpRequest, queryset: Any) -> None:
        services.unlock_accounts(list(queryset), by=request.user, request=request)  # type: ignore[arg-type]


class _AuditedLogDeletes(_SecurityAdminDeletes):
    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        services.delete_access_logs([obj], by=request.user, request=request)

    def delete_queryset(self, request: HttpRequest, queryset: Any) -> None:
        services.delete_access_logs(list(queryset), by=request.user, request=request)


@admin.register(AccessLog)
class SignInLogAdmin(_AuditedLogDeletes, AccessLogAdmin):
    pass


@admin.register(AccessFailureLog)
class SignInFailureLogAdmin(_AuditedLogDeletes, AccessFailureLogAdmin):
    pass


# Second-factor devices: django-otp's own admin lets whoever holds the model's add or change
# permission (a superuser) set up a confirmed authenticator with a key they chose on
# anyone's account and then sign in as them, with no audit entry. Shown read-only here,
# without the key; a device is set up by its owner and reset by the security
# administrator through the audited service (credit_portal.services).
from django_otp.plugins.otp_totp.admin import TOTPDeviceAdmin  # noqa: E402 - with the admin it replaces
from django_otp.plugins.otp_totp.models import TOTPDevice  # noqa: E402

from credit_portal.admin.base import ReadOnlyAdminMixin  # noqa: E402

admin.site.unregister(TOTPDevice)


@admin.register(TOTPDevice)
class ReadOnlyTOTPDeviceAdmin(ReadOnlyAdminMixin, TOTPDeviceAdmin):
    fieldsets = [(None, {"fields": ["user", "name", "confirmed"]})]
    readonly_fields = ["user", "name", "confirmed"]
    actions = None
