"""Admin of the intake: the credit office sets how each department's imported rows
land; department-system credentials are listed (never their secrets) and issued or
revoked with ``manage.py issue_department_system`` / the revoke action."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from archives.intake.models import DepartmentSystem, ImportJob, IntakeSettings
from archives.intake.systems import revoke_system
from credit_portal.admin import AuditedAdminMixin


@admin.register(IntakeSettings)
class IntakeSettingsAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ("department", "submit_for_review")


@admin.register(DepartmentSystem)
class DepartmentSystemAdmin(admin.ModelAdmin):
    list_display = ("name", "department", "key_id_prefix", "is_active", "created_at")
    fields = ("name", "department", "key_id_prefix", "is_active", "created_at")
    readonly_fields = fields
    actions = ["revoke"]

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.action(description=_("Revoke the selected credentials"))
    def revoke(self, request: HttpRequest, queryset: QuerySet[DepartmentSystem]) -> None:
        # As the person acting, so the audit entry names them and the service checks them.
        try:
            for system in queryset:
                revoke_system(system, by=request.user)  # type: ignore[arg-type]
        except PermissionDenied as exc:
            messages.error(request, str(exc))


@admin.register(ImportJob)
class ImportJobAdmin(admin.ModelAdmin):
    list_display = ("created_at", "department", "occupation", "state", "total_rows", "created_count", "error_count")
    fields = ("department", "occupation", "created_by", "created_at", "finished_at", "mode", "submit", "state",
              "total_rows", "created_count", "skipped_count", "error_count", "message")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: object, obj: object = None) -> bool:
        return False  # a deletion would be unaudited: the services end these, with an entry

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_queryset(self, request: HttpRequest) -> QuerySet[ImportJob]:
        return super().get_queryset(request).defer("upload", "error_report")
