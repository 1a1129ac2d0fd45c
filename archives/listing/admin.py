from __future__ import annotations

from django.contrib import admin

from archives.listing.models import Listing, ListingRule, Measure, PunishmentCase
from credit_portal.admin import AuditedAdminMixin
from credit_portal.admin.base import AuditedReadAdminMixin, ReadOnlyAdminMixin


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
class ListingAdmin(AuditedReadAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    # Read-only: every transition goes through archives.listing.services, with an entry; a
    # save or deletion here would have none. What is read here (the person, the facts,
    # their defence) is an audited read.
    list_display = ("reference", "state", "category", "department", "objection_due", "listed_until")
    list_filter = ("state", "category")


@admin.register(PunishmentCase)
class PunishmentCaseAdmin(AuditedReadAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    # Read-only, as its listing; cases are opened and closed by the services.
    list_display = ("listing", "state", "opened_at", "correction_due")
    list_filter = ("state",)
    list_select_related = ("listing",)

    def subject_of(self, obj: PunishmentCase) -> object:
        return obj.listing.subject_id
