from __future__ import annotations

from django.contrib import admin

from archives.units.models import Unit, UnitDishonesty


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    # Read-only: units are registered through archives.units.services (credit code checked,
    # the representative an adult with an archive), audited there.
    list_display = ("name", "credit_code", "department", "created_at")
    list_filter = ("department",)
    search_fields = ("name", "credit_code")
    readonly_fields = [f.name for f in Unit._meta.fields]
    raw_id_fields = ("representative", "representative_archive")

    def has_add_permission(self, request: object) -> bool:
        return False


@admin.register(UnitDishonesty)
class UnitDishonestyAdmin(admin.ModelAdmin):
    # Read-only: its state is that of the propagated record, changed by the record services.
    list_display = ("unit", "record", "proposed_at")
    readonly_fields = [f.name for f in UnitDishonesty._meta.fields]

    def has_add_permission(self, request: object) -> bool:
        return False
