"""Admin of the disclosure app: the credit office registers querying institutions and
their staff; the credit office and the auditor read the query
log and authorizations, never edit them.

Access comes from ``disclosure.permissions`` (the credit office / the auditor
group) rather than model permissions, so the role groups need no new rows; writes go
through ``disclosure.services.institutions`` (validation, audit trail).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from archives import validators
from credit_portal.admin.base import ReadOnlyAdminMixin
from disclosure import permissions
from disclosure.models import Authorization, CreditReport, Institution, InstitutionStaff, MandatoryContent, QueryLog
from disclosure.services import institutions


def _office(request: HttpRequest) -> bool:
    return permissions.is_office(request.user)


def _reader(request: HttpRequest) -> bool:
    return permissions.may_read_office_admin(request.user)


class OfficeAdmin(admin.ModelAdmin):
    def has_module_permission(self, request: HttpRequest) -> bool:
        return _reader(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _office(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return _office(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _office(request)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ReadOnlyAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    def has_module_permission(self, request: HttpRequest) -> bool:
        return _reader(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _reader(request)


class StaffInline(admin.TabularInline):
    model = InstitutionStaff
    extra = 0
    fields = ["user", "added_at"]
    readonly_fields = ["user", "added_at"]
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class InstitutionForm(forms.ModelForm):
    class Meta:
        model = Institution
        fields = ["name", "credit_code", "kind", "department", "is_active"]

    def clean_credit_code(self) -> str:
        # Checked here so an invalid code comes back on the form (python-stdnum, GB 32100-2015).
        return validators.validate_unit_credit_code(self.cleaned_data["credit_code"])


@admin.register(Institution)
class InstitutionAdmin(OfficeAdmin):
    form = InstitutionForm
    list_display = ["name", "credit_code", "kind", "department", "is_active", "created_at"]
    list_filter = ["kind", "is_active"]
    search_fields = ["name", "credit_code"]
    inlines = [StaffInline]
    raw_id_fields = ["department"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        # The code identifies the institution in every receipt and report: fixed once registered.
        return ["credit_code", "created_at", "created_by"] if obj else ["created_at", "created_by"]

    def save_model(self, request: HttpRequest, obj: Institution, form: Any, change: bool) -> None:
        if change:
            from credit_portal import audit

            super().save_model(request, obj, form, change)
            audit.record("disclosure.institution.changed", target=obj, detail={"fields": sorted(form.changed_data)}, request=request)
            return
        created = institutions.register_institution(
            name=obj.name, credit_code=obj.credit_code, kind=obj.kind, department=obj.department, by=request.user
        )
        obj.pk = created.pk
        obj.credit_code = created.credit_code


@admin.register(InstitutionStaff)
class InstitutionStaffAdmin(OfficeAdmin):
    list_display = ["user", "institution", "added_at"]
    raw_id_fields = ["user"]
    search_fields = ["institution__name"]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Added through the service, never edited into another person's link.
        return False

    def save_model(self, request: HttpRequest, obj: InstitutionStaff, form: Any, change: bool) -> None:
        staff = institutions.add_institution_staff(obj.institution, obj.user, by=request.user)
        obj.pk = staff.pk

    def add_view(self, request: HttpRequest, form_url: str = "", extra_context: Any = None) -> Any:
        from django.contrib import messages
        from django.core.exceptions import ValidationError
        from django.http import HttpResponseRedirect

        try:
            return super().add_view(request, form_url, extra_context)
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
            return HttpResponseRedirect(request.get_full_path())


@admin.register(QueryLog)
class QueryLogAdmin(ReadOnlyAdmin):
    list_display = ["occurred_at", "institution", "actor", "purpose", "outcome", "reason", "channel"]
    list_filter = ["outcome", "reason", "channel", "purpose"]
    list_select_related = ["institution", "actor"]
    exclude = ["subject"]  # the auditor sees who queried, not whose record (DESIGN §6)
    date_hierarchy = "occurred_at"

    # Reading who queried whom is the auditor's alone (credit_portal.roles.AUDIT_PERMISSIONS:
    # the model permission, which the credit office's role does not hold), as the trail's.
    def has_module_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("disclosure.view_querylog")

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.user.has_perm("disclosure.view_querylog")


@admin.register(Authorization)
class AuthorizationAdmin(ReadOnlyAdmin):
    list_display = ["reference", "grantee", "purpose", "state", "valid_until", "uses", "max_uses"]
    list_filter = ["state", "purpose"]
    list_select_related = ["grantee"]
    exclude = ["code_hash", "subject", "receipt"]

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _office(request)


@admin.register(CreditReport)
class CreditReportAdmin(ReadOnlyAdmin):
    list_display = ["number", "kind", "institution", "issued_at"]
    list_select_related = ["institution"]
    # Nothing of the person: not the content, not whose report, not the citizen a
    # self-report was issued to (their account's full name).
    exclude = ["content", "subject", "issued_to_user"]

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _office(request)


class MandatoryContentForm(forms.ModelForm):
    class Meta:
        model = MandatoryContent
        fields = ["purpose", "content", "category", "source", "is_active"]
        widgets = {"source": forms.Textarea(attrs={"rows": 3})}

    def clean_source(self) -> str:
        # A rule binds every report of its purpose: it must say which law or policy makes it so.
        source = (self.cleaned_data.get("source") or "").strip()
        if not source:
            raise forms.ValidationError(_("Name the law or policy document (with its article) that makes this content mandatory."))
        return source

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        is_category = data.get("content") == MandatoryContent.Content.CATEGORY
        if is_category and not data.get("category"):
            self.add_error("category", _("Choose the category this rule makes mandatory."))
        if not is_category and data.get("category"):
            self.add_error("category", _("Only a rule for one category names a category."))
        return data


@admin.register(MandatoryContent)
class MandatoryContentAdmin(OfficeAdmin):
    """The credit office keeps the purpose → mandatory content rules, each with its
    legal basis; every change is in the audit trail. Rules are switched off
    (``is_active``), never deleted, so old reports keep their explanation."""

    form = MandatoryContentForm
    list_display = ["purpose", "content", "category", "is_active", "source"]
    list_filter = ["purpose", "content", "is_active"]
    list_select_related = ["category"]

    def save_model(self, request: HttpRequest, obj: MandatoryContent, form: Any, change: bool) -> None:
        from credit_portal import audit

        with transaction.atomic():
            super().save_model(request, obj, form, change)
            audit.record(
                "disclosure.mandatory_content." + ("changed" if change else "added"), target=obj,
                detail={"purpose": obj.purpose, "content": obj.content, "fields": sorted(form.changed_data)},
                request=request,
            )


# The library's own generic key model is unused (institutions' keys are
# InstitutionAPIKey, issued on the credit office's page): keep it out of the admin.
try:
    from rest_framework_api_key.models import APIKey

    admin.site.unregister(APIKey)
except admin.sites.NotRegistered:
    pass
