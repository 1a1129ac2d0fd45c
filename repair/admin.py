"""Admin of the credit office's cases, read-only for everyone, superusers included, and
every page of it an audited read (they hold people's own words).

Objections and repair applications move only through ``repair.services`` (deadlines,
notices, audit trail, outbox); a person's own words (本人声明, printed beside the record
in every report) and their 好差评 rating are theirs: nobody edits or deletes them here.
The deadline rules are configuration the credit office edits, each change audited.
"""

from __future__ import annotations

from django.contrib import admin
from django.db import models
from django.utils.translation import gettext_lazy as _

from credit_portal.admin import AuditedAdminMixin
from credit_portal.admin.base import AuditedReadAdminMixin, ReadOnlyAdmin
from repair.models import DeadlineRule, Objection, PersonalStatement, Rating, RepairApplication


@admin.register(DeadlineRule)
class DeadlineRuleAdmin(AuditedAdminMixin, admin.ModelAdmin):
    audit_values = True  # old and new values in the entry: rules and catalogue, no personal data
    # The model's clean() refuses a rule without a source (and a database constraint) and
    # one longer than the law allows (DeadlineRule.BOUNDS).
    list_display = ("key", "days", "unit", "starts_from", "source")
    fields = ("key", "days", "unit", "starts_from", "source")
    # The form's own minimum was 0 ("greater than or equal to 0" for -1, then "at least one
    # day" for 0): one message for both, the model's.
    formfield_overrides = {
        models.PositiveSmallIntegerField: {
            "min_value": 1, "error_messages": {"min_value": _("A deadline is at least one day.")},
        },
    }


@admin.register(Objection)
class ObjectionAdmin(AuditedReadAdminMixin, ReadOnlyAdmin):
    list_display = ("reference", "state", "accept_due", "decide_due", "assigned_to")
    list_filter = ("state",)


@admin.register(RepairApplication)
class RepairApplicationAdmin(AuditedReadAdminMixin, ReadOnlyAdmin):
    list_display = ("reference", "state", "accept_due", "decide_due", "assigned_to")
    list_filter = ("state",)


@admin.register(PersonalStatement)
class PersonalStatementAdmin(AuditedReadAdminMixin, ReadOnlyAdmin):
    list_display = ("objection", "created_at")


@admin.register(Rating)
class RatingAdmin(AuditedReadAdminMixin, ReadOnlyAdmin):
    list_display = ("objection", "score")

    def subject_of(self, obj: Rating) -> object:
        case = obj.objection or obj.application
        return case.subject_id if case is not None else ""
