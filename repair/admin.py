from __future__ import annotations

from django.contrib import admin
from guardian.admin import GuardedModelAdmin

from credit_portal.admin import AuditedAdminMixin
from repair.models import DeadlineRule, Objection, PersonalStatement, Rating, RepairApplication


@admin.register(DeadlineRule)
class DeadlineRuleAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ("key", "days", "unit", "source")


@admin.register(Objection)
class ObjectionAdmin(GuardedModelAdmin):
    # Read-mostly: transitions go through repair.services, never the admin form.
    list_display = ("reference", "state", "accept_due", "decide_due", "assigned_to")
    list_filter = ("state",)
    readonly_fields = [f.name for f in Objection._meta.fields]


@admin.register(RepairApplication)
class RepairApplicationAdmin(GuardedModelAdmin):
    list_display = ("reference", "state", "accept_due", "decide_due", "assigned_to")
    list_filter = ("state",)
    readonly_fields = [f.name for f in RepairApplication._meta.fields]


admin.site.register(PersonalStatement)
admin.site.register(Rating)
