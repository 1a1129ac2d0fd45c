from __future__ import annotations

from django.contrib import admin

from archives.units.models import Unit, UnitDishonesty, UnitDishonestyRecord, UnitPerson
from credit_portal.admin.base import AuditedReadAdminMixin, ReadOnlyAdminMixin


class UnitPersonInline(admin.TabularInline):
    model = UnitPerson
    extra = 0
    can_delete = False
    readonly_fields = [f.name for f in UnitPerson._meta.fields]

    def has_add_permission(self, request: object, obj: object = None) -> bool:
        return False


@admin.register(Unit)
class UnitAdmin(AuditedReadAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    # Read-only: units and their responsible persons are registered and changed through
    # archives.units.services (credit code checked, each person an adult with an archive),
    # audited there. The page names its responsible persons: reading it is in the trail.
    list_display = ("name", "credit_code", "department", "created_at")
    list_filter = ("department",)
    search_fields = ("name", "credit_code")
    inlines = [UnitPersonInline]


class UnitDishonestyRecordInline(admin.TabularInline):
    model = UnitDishonestyRecord
    extra = 0
    can_delete = False
    readonly_fields = [f.name for f in UnitDishonestyRecord._meta.fields]

    def has_add_permission(self, request: object, obj: object = None) -> bool:
        return False


@admin.register(UnitDishonesty)
class UnitDishonestyAdmin(AuditedReadAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    # Read-only: its state is that of the propagated records, changed by the record services.
    list_display = ("unit", "proposed_at")
    inlines = [UnitDishonestyRecordInline]
