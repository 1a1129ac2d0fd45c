"""Credit level rules in the admin: shown to the credit office, added and retired only
through the services (checked, audited); the stored levels are read-only."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from archives.levels import points, services
from archives.levels.models import ArchiveLevel, LevelRule, PointRule, PointsPilot
from credit_portal.admin.base import AuditedReadAdminMixin
from credit_portal.forms import add_errors
from departments.scope import is_credit_office


def _office(request: HttpRequest) -> bool:
    return bool(request.user.is_active and (request.user.is_superuser or is_credit_office(request.user)))


class OfficeAdmin(admin.ModelAdmin):
    """Shown to the credit office; rows are added through the services, never edited in
    place (reasons already given name a rule: retire it and add another) nor deleted."""

    def has_module_permission(self, request: HttpRequest) -> bool:
        return _office(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _office(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return _office(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class LevelRuleAdminForm(forms.ModelForm):
    class Meta:
        model = LevelRule
        fields = ["level", "condition", "severity", "finding_status", "years", "source"]
        widgets = {"source": forms.Textarea(attrs={"rows": 3})}

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        candidate = LevelRule(**{name: data.get(name) or ("" if name != "years" else 0) for name in self.Meta.fields})
        try:
            services.check_rule(candidate, others=list(LevelRule.objects.filter(is_active=True)))
        except ValidationError as exc:
            add_errors(self, exc)
        return data


@admin.register(LevelRule)
class LevelRuleAdmin(OfficeAdmin):
    form = LevelRuleAdminForm
    list_display = ["level", "condition", "severity", "finding_status", "years", "is_active", "source"]
    list_filter = ["level", "condition", "is_active"]
    fields = ["level", "condition", "severity", "finding_status", "years", "source"]
    actions = ["retire"]


    def save_model(self, request: HttpRequest, obj: LevelRule, form: Any, change: bool) -> None:
        # The form ran the same checks; the service runs them again under its lock.
        created = services.add_level_rule(
            by=request.user, level=obj.level, condition=obj.condition, severity=obj.severity,
            finding_status=obj.finding_status, years=obj.years, source=obj.source,
        )
        obj.pk = created.pk

    @admin.action(description=_("Retire the selected rules"))
    def retire(self, request: HttpRequest, queryset: Any) -> None:
        for rule in queryset.filter(is_active=True):
            services.retire_level_rule(rule, by=request.user)


@admin.register(ArchiveLevel)
class ArchiveLevelAdmin(AuditedReadAdminMixin, OfficeAdmin):
    # The page names the archive (the person and occupation) beside the level and its
    # reasons: an audited read, as on the staff pages.
    list_display = ["archive_id", "level", "computed_on", "review_on"]
    list_filter = ["level"]

    def subject_of(self, obj: ArchiveLevel) -> object:
        return obj.archive.subject_id

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(PointsPilot)
class PointsPilotAdmin(OfficeAdmin):
    """The integrity points pilot switch: changed only through the service (audited)."""

    fields = ["is_enabled"]
    list_display = ["__str__", "is_enabled", "base_points", "changed_at"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return _office(request) and not PointsPilot.objects.exists()

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _office(request)

    def save_model(self, request: HttpRequest, obj: PointsPilot, form: Any, change: bool) -> None:
        row = points.set_points_pilot(enabled=obj.is_enabled, by=request.user)
        obj.pk = row.pk


class PointRuleAdminForm(forms.ModelForm):
    class Meta:
        model = PointRule
        fields = ["kind", "severity", "finding_status", "points", "source"]
        widgets = {"source": forms.Textarea(attrs={"rows": 3})}

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        candidate = PointRule(kind=data.get("kind") or "", points=data.get("points") or 0,
                              source=(data.get("source") or "").strip(), severity=data.get("severity") or "",
                              finding_status=data.get("finding_status") or "")
        try:
            points.check_point_rule(candidate)
        except ValidationError as exc:
            add_errors(self, exc)
        return data


@admin.register(PointRule)
class PointRuleAdmin(OfficeAdmin):
    """Scoring rules: added through the service (source required, no overlaps, audited)."""

    form = PointRuleAdminForm
    list_display = ["kind", "severity", "finding_status", "points", "is_active", "source"]
    actions = ["retire"]

    @admin.action(description=_("Retire the selected rules"))
    def retire(self, request: HttpRequest, queryset: Any) -> None:
        for rule in queryset.filter(is_active=True):
            points.retire_point_rule(rule, by=request.user)


    def save_model(self, request: HttpRequest, obj: PointRule, form: Any, change: bool) -> None:
        # The form ran the same checks; the service runs them again under its lock.
        created = points.add_point_rule(by=request.user, kind=obj.kind, points=obj.points, source=obj.source,
                                        severity=obj.severity, finding_status=obj.finding_status)
        obj.pk = created.pk
