"""The catalogue in the admin, where the credit office keeps it (DESIGN §4).

Each occupation shows its responsible departments and record categories inline with
the seed every mapping came from, so the credit office sees why a mapping is there
before changing it. Who may change what is the model permissions of the role groups.
Every catalogue edit is in the audit trail (``AuditedAdminMixin``); memberships are
granted and ended only through ``departments.services`` (never one's own).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponseRedirect
from django.utils.translation import gettext_lazy as _

from credit_portal.admin import AuditedAdminMixin
from departments import services
from departments.models import (
    CoverageEntry,
    Department,
    Domain,
    Membership,
    Occupation,
    OccupationCategory,
    OccupationDepartment,
    RecordCategory,
    UpdateCadence,
)


@admin.register(Department)
class DepartmentAdmin(AuditedAdminMixin, admin.ModelAdmin):
    audit_values = True  # old and new values in the entry: rules and catalogue, no personal data
    list_display = ("code", "name", "display_name", "kind", "seeds", "sort_order", "is_active")
    list_filter = ("kind", "is_active")
    list_editable = ("sort_order", "is_active")
    search_fields = ("code", "name", "seed_references")
    ordering = ("sort_order", "code")

    @admin.display(description=_("display name"))
    def display_name(self, obj: Department) -> str:
        return obj.display_name

    def get_readonly_fields(self, request: HttpRequest, obj: Department | None = None) -> list[str]:
        # A department's code names its group of archive shares ("department:<code>",
        # departments.scope): renamed, another department given the old code would
        # inherit every archive shared with this one. Fixed once created.
        return [*super().get_readonly_fields(request, obj), *(["code"] if obj is not None else [])]


@admin.register(Domain)
class DomainAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ("code", "name", "seeds", "sort_order")
    list_editable = ("sort_order",)
    search_fields = ("code", "name")


@admin.register(RecordCategory)
class RecordCategoryAdmin(AuditedAdminMixin, admin.ModelAdmin):
    audit_values = True  # old and new values in the entry: rules and catalogue, no personal data
    list_display = ("code", "name", "is_common", "sort_order")
    list_filter = ("is_common",)
    list_editable = ("sort_order",)
    search_fields = ("code", "name", "description", "legal_basis")


# A responsible department sees every archive of the occupation (archives.scope): each row
# added, changed or deleted here, on its own page or as a line of the occupation's, is an
# entry naming the occupation and the department, before and after.
class OccupationDepartmentInline(admin.TabularInline):
    model = OccupationDepartment
    extra = 0
    autocomplete_fields = ("department",)
    fields = ("department", "seed", "note")


class OccupationCategoryInline(admin.TabularInline):
    model = OccupationCategory
    extra = 0
    autocomplete_fields = ("category",)
    fields = ("category", "seed", "note")


class UpdateCadenceForm(forms.ModelForm):
    """The same checks as ``services.set_update_cadence``: a cadence needs its source."""

    class Meta:
        model = UpdateCadence
        fields = ("kind", "days", "information", "seed", "source")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The service's messages name what is missing (a source, not "this field").
        for name in ("kind", "days", "seed", "source"):
            self.fields[name].required = False

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        try:
            services.validate_cadence(
                kind=data.get("kind") or "", days=data.get("days"), seed=data.get("seed") or "",
                source=data.get("source") or "",
            )
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                for error in errors:
                    if field not in self.errors:
                        self.add_error(field, error)
        return data


class UpdateCadenceInline(admin.TabularInline):
    model = UpdateCadence
    form = UpdateCadenceForm
    extra = 0
    fields = ("kind", "days", "information", "seed", "source")


class SeedFilter(admin.SimpleListFilter):
    """Occupations by the seed of any of their department mappings."""

    title = _("seed of a responsibility")
    parameter_name = "seed"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        return list(OccupationDepartment._meta.get_field("seed").choices)

    def queryset(self, request: HttpRequest, queryset: QuerySet[Occupation]) -> QuerySet[Occupation]:
        if self.value():
            return queryset.filter(occupationdepartment__seed=self.value()).distinct()
        return queryset


@admin.register(Occupation)
class OccupationAdmin(AuditedAdminMixin, admin.ModelAdmin):
    audit_values = True  # old and new values in the entry: rules and catalogue, no personal data
    list_display = ("code", "name", "group", "responsible", "sort_order", "is_active")
    list_filter = ("group", "cadences__kind", "is_active", SeedFilter, "departments")
    search_fields = ("code", "name", "description", "seed_references", "special_contents")
    inlines = (UpdateCadenceInline, OccupationDepartmentInline, OccupationCategoryInline)
    fields = (
        "code", "name", "group", "description", "special_contents", "seed_references",
        "sort_order", "is_active",
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet[Occupation]:
        return super().get_queryset(request).prefetch_related("departments")

    @admin.display(description=_("responsible departments"))
    def responsible(self, obj: Occupation) -> str:
        return "、".join(d.display_name for d in obj.departments.all())


@admin.register(OccupationDepartment)
class OccupationDepartmentAdmin(AuditedAdminMixin, admin.ModelAdmin):
    audit_values = True
    list_display = ("occupation", "department", "seed", "note")
    list_filter = ("seed", "department")
    list_select_related = ("occupation", "department")
    search_fields = ("occupation__name", "department__name", "note")
    autocomplete_fields = ("occupation", "department")


@admin.register(OccupationCategory)
class OccupationCategoryAdmin(AuditedAdminMixin, admin.ModelAdmin):
    audit_values = True
    list_display = ("occupation", "category", "seed", "note")
    list_filter = ("seed", "category")
    list_select_related = ("occupation", "category")
    search_fields = ("occupation__name", "category__name", "note")
    autocomplete_fields = ("occupation", "category")


@admin.register(CoverageEntry)
class CoverageEntryAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ("department", "archive_established", "policy_document", "updated_at")
    list_filter = ("archive_established",)
    list_select_related = ("department",)
    search_fields = ("department__name", "policy_document", "next_steps", "remarks")
    autocomplete_fields = ("department",)


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ("user", "department", "role", "created_at")
    list_filter = ("role", "department")
    list_select_related = ("user", "department")
    search_fields = ("user__username", "user__full_name", "department__name")
    # raw_id: the user list is large and its admin belongs to another app.
    raw_id_fields = ("user",)
    autocomplete_fields = ("department",)

    def has_change_permission(self, request: HttpRequest, obj: Membership | None = None) -> bool:
        # A membership is granted or ended, never edited into another one.
        return False

    def save_model(self, request: HttpRequest, obj: Membership, form: Any, change: bool) -> None:
        obj.pk = services.grant_membership(
            obj.user, department=obj.department, role=obj.role, by=request.user, request=request  # type: ignore[arg-type]
        ).pk

    def delete_model(self, request: HttpRequest, obj: Membership) -> None:
        services.revoke_membership(obj, by=request.user, request=request)  # type: ignore[arg-type]

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Membership]) -> None:
        try:
            with transaction.atomic():
                for membership in queryset:
                    services.revoke_membership(membership, by=request.user, request=request)  # type: ignore[arg-type]
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)

    def add_view(self, request: HttpRequest, form_url: str = "", extra_context: Any = None) -> Any:
        try:
            return super().add_view(request, form_url, extra_context)
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
            return HttpResponseRedirect(request.get_full_path())

    def delete_view(self, request: HttpRequest, object_id: str, extra_context: Any = None) -> Any:
        try:
            return super().delete_view(request, object_id, extra_context)
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
            return HttpResponseRedirect(request.get_full_path())
