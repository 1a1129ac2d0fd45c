"""Admin of the intake: the credit office sets how each department's imported rows
land; department-system credentials are listed (never their secrets) and issued or
revoked with ``manage.py issue_department_system`` / the revoke action."""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from archives.intake.models import DepartmentSystem, ImportJob, IntakeSettings
from archives.intake.systems import revoke_system
from credit_portal.admin import AuditedAdminMixin
from credit_portal.admin.base import ReadOnlyAdminMixin


@admin.register(IntakeSettings)
class IntakeSettingsAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ("department", "submit_for_review")


@admin.register(DepartmentSystem)
class DepartmentSystemAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    # Issued and revoked through archives.intake.systems (audited); the one action here
    # calls the same service.
    list_display = ("name", "department", "key_id_prefix", "is_active", "created_at")
    fields = ("name", "department", "key_id_prefix", "is_active", "created_at")
    actions = ["revoke"]

    @admin.action(description=_("Revoke the selected credentials"))
    def revoke(self, request: HttpRequest, queryset: QuerySet[DepartmentSystem]) -> None:
        # As the person acting, so the audit entry names them and the service checks them.
        try:
            for system in queryset:
                revoke_system(system, by=request.user)  # type: ignore[arg-type]
        except PermissionDenied as exc:
            messages.error(request, str(exc))


@admin.register(ImportJob)
class ImportJobAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    # Written by the import services only (a deletion here would be unaudited). The
    # uploaded file and its error report (names, ID numbers) are not among the fields.
    list_display = ("created_at", "department", "occupation", "state", "total_rows", "created_count", "error_count")
    fields = ("department", "occupation", "created_by", "created_at", "finished_at", "mode", "submit", "state",
              "total_rows", "created_count", "skipped_count", "error_count", "message")

    def get_queryset(self, request: HttpRequest) -> QuerySet[ImportJob]:
        return super().get_queryset(request).defer("upload", "error_report")
