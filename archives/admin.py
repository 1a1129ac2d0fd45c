"""Admin for superusers (DESIGN §10): read-mostly. Records and findings change only
through the services (audit trail + outbox), so they are read-only here; the display
rules are configurable data the credit office edits."""

from __future__ import annotations

from django.contrib import admin

from archives.models import AnnualFinding, Archive, CreditRecord, DisplayRule, Evidence, Notice, Subject
from credit_portal.admin import AuditedAdminMixin
from credit_portal.admin.base import AuditedReadAdminMixin, ReadOnlyAdminMixin


class ReadOnlyAdmin(AuditedReadAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    """Read-only, and every page of it an audited read of people's data."""


@admin.register(DisplayRule)
class DisplayRuleAdmin(AuditedAdminMixin, admin.ModelAdmin):
    audit_values = True  # old and new values in the entry: rules and catalogue, no personal data
    list_display = ("tier", "min_months", "max_months", "published", "source")

    # The three national tiers are loaded by migration and edited within their bounds
    # (DisplayRule.clean). None is added or deleted: with the serious tier's row deleted,
    # its minimum read as none and every serious record became repairable at once.
    def has_add_permission(self, request: object) -> bool:
        return False

    def has_delete_permission(self, request: object, obj: object = None) -> bool:
        return False


@admin.register(Subject)
class SubjectAdmin(ReadOnlyAdmin):
    def subject_of(self, obj: Subject) -> object:
        return obj.pk

    # The masked number only: the admin never decrypts ID numbers or phones.
    list_display = ("name", "id_number_masked", "gender", "birth_date", "created_at")
    fields = ("name", "id_number_masked", "gender", "birth_date", "political_status", "education", "created_at")
    search_fields = ("name",)


@admin.register(Archive)
class ArchiveAdmin(ReadOnlyAdmin):
    list_display = ("subject", "occupation", "department", "employer", "state", "last_updated_at")
    list_filter = ("state", "department", "occupation")
    list_select_related = ("subject", "occupation", "department")
    search_fields = ("subject__name", "employer")


@admin.register(CreditRecord)
class CreditRecordAdmin(ReadOnlyAdmin):
    def subject_of(self, obj: CreditRecord) -> object:
        return obj.archive.subject_id

    list_display = ("title", "archive", "category", "polarity", "severity", "state", "version", "decided_on")
    list_filter = ("state", "polarity", "severity", "category")
    list_select_related = ("archive__subject", "archive__occupation", "category")
    search_fields = ("title", "decision_number")
    # Newest first by the primary key, which its index serves: the model's order (by
    # decision date) sorted every record for each page, 23 s at 1,000,000 people
    # (11,000,000 records). For the same reason no column sorts the list, and the count
    # is taken once, not again for the unfiltered total.
    ordering = ("-id",)
    sortable_by = ()
    show_full_result_count = False


@admin.register(AnnualFinding)
class AnnualFindingAdmin(ReadOnlyAdmin):
    def subject_of(self, obj: AnnualFinding) -> object:
        return obj.archive.subject_id

    list_display = ("archive", "year", "status", "state", "version", "signed_at")
    list_filter = ("status", "state", "year")
    list_select_related = ("archive__subject", "archive__occupation")
    # As the records' list: a million findings at 1,000,000 people.
    ordering = ("-id",)
    sortable_by = ()
    show_full_result_count = False


@admin.register(Evidence)
class EvidenceAdmin(ReadOnlyAdmin):
    list_display = ("original_name", "content_type", "size", "uploaded_at")
    exclude = ("file",)


@admin.register(Notice)
class NoticeAdmin(ReadOnlyAdmin):
    list_display = ("title", "kind", "created_at", "read_at")
    list_filter = ("kind",)
