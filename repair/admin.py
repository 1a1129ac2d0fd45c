from __future__ import annotations

from django.contrib import admin

from credit_portal.admin import AuditedAdminMixin
from repair.models import DeadlineRule, Objection, PersonalStatement, Rating, RepairApplication


@admin.register(DeadlineRule)
class DeadlineRuleAdmin(AuditedAdminMixin, admin.ModelAdmin):
    # The model's clean() refuses a rule without a source (and a database constraint).
    list_display = ("key", "days", "unit", "starts_from", "source")
    fields = ("key", "days", "unit", "starts_from", "source")


@admin.register(Objection)
class ObjectionAdmin(admin.ModelAdmin):
    # Read-mostly: transitions go through repair.services, never the admin form.
    list_display = ("reference", "state", "accept_due", "decide_due", "assigned_to")
    list_filter = ("state",)
    readonly_fields = [f.name for f in Objection._meta.fields]


@admin.register(RepairApplication)
class RepairApplicationAdmin(admin.ModelAdmin):
    list_display = ("reference", "state", "accept_due", "decide_due", "assigned_to")
    list_filter = ("state",)
    readonly_fields = [f.name for f in RepairApplication._meta.fields]


admin.site.register(PersonalStatement)
admin.site.register(Rating)
