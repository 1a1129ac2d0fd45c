from __future__ import annotations

from django.contrib import admin

from archives.listing.models import Listing, ListingRule, Measure, PunishmentCase
from credit_portal.admin import AuditedAdminMixin


@admin.register(ListingRule)
class ListingRuleAdmin(AuditedAdminMixin, admin.ModelAdmin):
    audit_values = True  # old and new values in the entry: rules and catalogue, no personal data
    # A rule without a source is refused (required field and a database constraint).
    list_display = ("key", "value", "unit", "source")
    fields = ("key", "value", "unit", "source")


@admin.register(Measure)
class MeasureAdmin(AuditedAdminMixin, admin.ModelAdmin):
    audit_values = True  # old and new values in the entry: rules and catalogue, no personal data
    list_display = ("name", "department", "legal_basis", "categories", "is_active")
    list_filter = ("is_active", "department")


@admin.register(Listing)
class ListingAdmin(admin.ModelAdmin):
    # Read-only: every transition goes through archives.listing.services.
    list_display = ("reference", "state", "category", "department", "objection_due", "listed_until")
    list_filter = ("state", "category")
    readonly_fields = [f.name for f in Listing._meta.fields]

    def has_add_permission(self, request: object) -> bool:
        return False

    def has_delete_permission(self, request: object, obj: object = None) -> bool:
        return False  # a deletion would be unaudited: the services end these, with an entry


@admin.register(PunishmentCase)
class PunishmentCaseAdmin(admin.ModelAdmin):
    list_display = ("listing", "state", "opened_at", "correction_due")
    list_filter = ("state",)
    readonly_fields = [f.name for f in PunishmentCase._meta.fields]

    def has_add_permission(self, request: object) -> bool:
        return False

    def has_delete_permission(self, request: object, obj: object = None) -> bool:
        return False  # a deletion would be unaudited: the services end these, with an entry
