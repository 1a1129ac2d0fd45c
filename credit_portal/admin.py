"""Admin registrations for the base app.

The audit trail is read-only for everyone, superusers included (DESIGN §8, 三权分立:
the auditor reads, no one edits); who may view it at all is the ``view_auditentry``
permission given to the auditor role.
"""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from credit_portal.models import AuditEntry, CalendarDay, User

# Separation of duties (三权分立): the system administrator manages accounts but does not
# grant roles or permissions; that is the security administrator's job (auth.change_group).
_GRANTING_FIELDS = ("groups", "user_permissions", "is_superuser")


@admin.register(User)
class PortalUserAdmin(UserAdmin):
    fieldsets = (*UserAdmin.fieldsets, (_("Portal"), {"fields": ("full_name",)}))
    list_display = ("username", "full_name", "email", "is_staff", "is_active")
    search_fields = ("username", "full_name", "email")

    def get_fieldsets(self, request: HttpRequest, obj: User | None = None):  # type: ignore[override]
        fieldsets = super().get_fieldsets(request, obj)
        if request.user.is_superuser:
            return fieldsets
        may_grant = request.user.has_perm("auth.change_group")
        cleaned = []
        for name, options in fieldsets:
            fields = tuple(
                f for f in options.get("fields", ())
                if f != "is_superuser" and (may_grant or f not in _GRANTING_FIELDS)
            )
            if fields:
                cleaned.append((name, {**options, "fields": fields}))
        return cleaned


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    list_display = (
        "sequence",
        "created_at",
        "actor_label",
        "action",
        "object_type",
        "object_id",
        "subject_ref",
        "ip_address",
    )
    list_filter = ("action",)
    # Exact match: object ids are looked up, not browsed.
    search_fields = ("=object_id",)
    ordering = ("-sequence",)
    date_hierarchy = "created_at"
    show_full_result_count = False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: AuditEntry | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: AuditEntry | None = None) -> bool:
        return False


@admin.register(CalendarDay)
class CalendarDayAdmin(admin.ModelAdmin):
    # A year is entered in one form from the State Council's notice (calendar_admin).
    change_list_template = "admin/credit_portal/calendarday/change_list.html"
    # The model field is verbose_name "name", which zh_Hans renders as 姓名 (a person's
    # name); here it is the name of a holiday.
    list_display = ("date", "kind", "holiday_name", "source")
    list_filter = ("kind",)
    search_fields = ("name",)
    date_hierarchy = "date"

    @admin.display(description=_("Holiday name"), ordering="name")
    def holiday_name(self, day: CalendarDay) -> str:
        return day.name

    def get_form(self, request: HttpRequest, obj: CalendarDay | None = None, **kwargs: object):  # type: ignore[override]
        form = super().get_form(request, obj, **kwargs)
        if "name" in form.base_fields:
            form.base_fields["name"].label = _("Holiday name")
        return form

    def get_urls(self):  # noqa: ANN201 - list of URL patterns
        from django.urls import path

        from credit_portal.calendar_admin import enter_year_view

        own = [path("enter-year/", self.admin_site.admin_view(lambda request: enter_year_view(self, request)),
                    name="credit_portal_calendarday_enter_year")]
        return own + super().get_urls()
