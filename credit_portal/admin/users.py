"""Admin registrations for the base app (DESIGN §8, 三权分立).

* Role groups are read-only for everyone, superusers included: roles and their
  permissions are code (``credit_portal.roles``), applied at every migrate.
* Accounts: the system administrator creates and edits them but grants nothing and
  resets no one's credentials; a new account must choose its own password at first
  sign-in. The security administrator gives roles and resets passwords and second
  factors through the services of ``credit_portal.services`` (never for themselves),
  from links on the account's page.
* The audit trail and its anchors are read-only for everyone; who may view them at all
  is the auditor's ``view_auditentry`` / ``view_auditanchor``. The auditor alone
  (``permissions.can_maintain_audit_trail``) has the maintenance page on the anchors'
  list: an on-demand anchor and the retention purge, each after a confirmation step,
  through the services the commands call.
* Lock-outs and sign-in logs (django-axes): deleting them (unlocking an account) is the
  security administrator's alone, through audited services.
* Calendar edits go through :class:`AuditedAdminMixin`, which writes each save and
  delete to the audit trail in the same transaction.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from axes.admin import AccessAttemptAdmin, AccessFailureLogAdmin, AccessLogAdmin
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from credit_portal import audit, audit_anchor, services
from credit_portal.models import AuditAnchor, AuditEntry, CalendarDay, EnrolmentCode, User
from credit_portal.permissions import can_maintain_audit_trail, can_unlock_accounts
from credit_portal.roles import Role


class AuditedAdminMixin:
    """Every add, change and delete made in this admin is an audit entry
    ``<app>.<model>.created|changed|deleted`` in the same transaction as the change."""

    def _audit_action(self, obj: models.Model, verb: str) -> str:
        return f"{obj._meta.app_label}.{obj._meta.model_name}.{verb}"

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        with transaction.atomic():
            super().save_model(request, obj, form, change)  # type: ignore[misc]
            fields = sorted(form.changed_data) if form is not None else []
            audit.record(self._audit_action(obj, "changed" if change else "created"), target=obj,
                         detail={"fields": fields}, request=request)

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        with transaction.atomic():
            audit.record(self._audit_action(obj, "deleted"), target=obj, request=request)
            super().delete_model(request, obj)  # type: ignore[misc]

    def delete_queryset(self, request: HttpRequest, queryset: Any) -> None:
        # One by one, so that each deleted object has its entry.
        with transaction.atomic():
            for obj in queryset:
                self.delete_model(request, obj)


# --- Role groups: read-only --------------------------------------------------------------
admin.site.unregister(Group)


@admin.register(Group)
class RoleGroupAdmin(GroupAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Group | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Group | None = None) -> bool:
        return False


# --- Accounts -------------------------------------------------------------------------------
class EmailForm(forms.Form):
    email = forms.EmailField(label=_("New e-mail address"), max_length=254, required=False)


class RolesForm(forms.Form):
    roles = forms.MultipleChoiceField(
        label=_("Roles"), choices=Role.choices, required=False, widget=forms.CheckboxSelectMultiple
    )


@admin.register(User)
class PortalUserAdmin(AuditedAdminMixin, UserAdmin):
    # Granting fields never appear: roles go through the security administrator's page,
    # direct permissions and superuser status are not given in the admin at all.
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("Personal info"), {"fields": ("full_name", "first_name", "last_name", "email")}),
        (_("Permissions"), {"fields": ("is_active", "is_staff", "role_names", "must_change_password")}),
        (_("Security"), {"fields": ("account_tools", "credentials_reset_at")}),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
    )
    readonly_fields = ("role_names", "account_tools", "must_change_password", "credentials_reset_at",
                       "last_login", "date_joined")
    list_display = ("username", "full_name", "email", "is_staff", "is_active")
    list_filter = ("is_staff", "is_active", "groups")
    search_fields = ("username", "full_name", "email")

    def has_change_permission(self, request: HttpRequest, obj: User | None = None) -> bool:
        # A superuser is for installation only and is deactivated afterwards: the system
        # administrator must not switch one back on (or rename it) and sign in with the
        # installer's password. Only the console (or another superuser) changes it.
        if obj is not None and obj.is_superuser and not request.user.is_superuser:
            return False
        return super().has_change_permission(request, obj)

    def get_readonly_fields(self, request: HttpRequest, obj: User | None = None) -> tuple[str, ...]:
        # The address receives the temporary password of a reset: it changes only through
        # services.change_staff_email (audited, the old address told, resets held back),
        # from the "Change e-mail address" link beside it.
        readonly = tuple(super().get_readonly_fields(request, obj))
        return (*readonly, "email_address") if obj is not None else readonly

    def get_fieldsets(self, request: HttpRequest, obj: User | None = None) -> Any:
        fieldsets = super().get_fieldsets(request, obj)
        if obj is None:
            return fieldsets
        return tuple(
            (name, {**options, "fields": tuple("email_address" if f == "email" else f for f in options["fields"])})
            for name, options in fieldsets
        )

    @admin.display(description=_("e-mail address"))
    def email_address(self, obj: User) -> str:
        return format_html('{} <a href="{}">{}</a>', obj.email or "—",
                           reverse("admin:credit_portal_user_email", args=[obj.pk]), _("Change e-mail address"))

    @admin.display(description=_("roles"))
    def role_names(self, obj: User) -> str:
        names = [str(Role(name).label) for name in obj.groups.values_list("name", flat=True) if name in Role.values]
        return "、".join(names) or "—"

    @admin.display(description=_("security administrator's tools"))
    def account_tools(self, obj: User) -> str:
        if obj.pk is None:
            return "—"
        links = [
            (reverse("admin:credit_portal_user_roles", args=[obj.pk]), _("Change roles")),
            (reverse("admin:credit_portal_user_reset", args=[obj.pk]), _("Reset password and second factor")),
            (reverse("admin:credit_portal_user_enrolment", args=[obj.pk]), _("Issue a second-factor enrolment code")),
        ]
        return format_html_join(format_html("<br>"), '<a href="{}">{}</a>', links)

    def save_model(self, request: HttpRequest, obj: User, form: Any, change: bool) -> None:
        if not change:
            # The creator chose this password: the owner replaces it at first sign-in.
            obj.must_change_password = True
        super().save_model(request, obj, form, change)

    def get_urls(self) -> list[Any]:
        wrap = self.admin_site.admin_view
        return [
            path("<id>/roles/", wrap(self.roles_view), name="credit_portal_user_roles"),
            path("<id>/email/", wrap(self.email_view), name="credit_portal_user_email"),
            path("<id>/reset/", wrap(self.reset_view), name="credit_portal_user_reset"),
            path("<id>/enrolment-code/", wrap(self.enrolment_view), name="credit_portal_user_enrolment"),
            *super().get_urls(),
        ]

    def _target(self, request: HttpRequest, object_id: str, permission: str) -> User:
        if not request.user.has_perm(permission):
            raise PermissionDenied
        target = User.objects.filter(pk=unquote(object_id)).first() if str(object_id).isdigit() else None
        if target is None:
            raise Http404
        return target

    def _page(self, request: HttpRequest, target: User, template: str, **context: Any) -> TemplateResponse:
        return TemplateResponse(request, template, {
            **self.admin_site.each_context(request), "opts": self.opts, "original": target,
            "title": context.pop("title"), "change_url": reverse("admin:credit_portal_user_change", args=[target.pk]),
            **context,
        })

    def user_change_password(self, request: HttpRequest, id: str, form_url: str = "") -> HttpResponse:  # noqa: A002
        """Nobody sets another person's password here: the security administrator resets
        it (a temporary password goes to the owner), the owner chooses the new one."""
        return self.reset_view(request, id)

    def roles_view(self, request: HttpRequest, id: str) -> HttpResponse:  # noqa: A002
        target = self._target(request, id, "credit_portal.assign_role")
        held = [name for name in target.groups.values_list("name", flat=True) if name in Role.values]
        form = RolesForm(request.POST or None, initial={"roles": held})
        if request.method == "POST" and form.is_valid():
            wanted = set(form.cleaned_data["roles"])
            try:
                with transaction.atomic():
                    for role in sorted(set(held) - wanted):
                        services.revoke_role(target, role, by=request.user, request=request)  # type: ignore[arg-type]
                    for role in sorted(wanted - set(held)):
                        services.grant_role(target, role, by=request.user, request=request)  # type: ignore[arg-type]
            except ValidationError as exc:
                for message in exc.messages:
                    form.add_error("roles", message)
            else:
                messages.success(request, _("The roles were saved."))
                return HttpResponseRedirect(reverse("admin:credit_portal_user_change", args=[target.pk]))
        return self._page(request, target, "admin/credit_portal/user/roles.html", form=form,
                          title=_("Change roles"))

    def email_view(self, request: HttpRequest, id: str) -> HttpResponse:  # noqa: A002
        target = self._target(request, id, "credit_portal.change_user")
        form = EmailForm(request.POST or None, initial={"email": target.email})
        if request.method == "POST" and form.is_valid():
            try:
                changed = services.change_staff_email(target, form.cleaned_data["email"], by=request.user,  # type: ignore[arg-type]
                                                      request=request)
            except ValidationError as exc:
                for message in exc.messages:
                    form.add_error("email", message)
            else:
                if changed:
                    messages.success(request, _("The e-mail address was changed; the old address was told."))
                return HttpResponseRedirect(reverse("admin:credit_portal_user_change", args=[target.pk]))
        return self._page(request, target, "admin/credit_portal/user/email.html", form=form,
                          title=_("Change e-mail address"))

    def _issue_code(self, request: HttpRequest, target: User, issue: Callable[..., str], **page: Any) -> HttpResponse:
        """Run ``issue`` (a reset or a plain enrolment code) for ``target`` and show the code
        once; a refusal goes back to the account page with the service's message."""
        try:
            code = issue(target, by=request.user, request=request)
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
            return HttpResponseRedirect(reverse("admin:credit_portal_user_change", args=[target.pk]))
        return self._page(request, target, "admin/credit_portal/user/enrolment_code.html", code=code, **page)

    def reset_view(self, request: HttpRequest, id: str) -> HttpResponse:  # noqa: A002
        target = self._target(request, id, "credit_portal.reset_credentials")
        if request.method == "POST":
            return self._issue_code(request, target, services.reset_staff_credentials,
                                    title=_("Password and second factor reset"), was_reset=True)
        return self._page(request, target, "admin/credit_portal/user/reset.html",
                          title=_("Reset password and second factor"))

    def enrolment_view(self, request: HttpRequest, id: str) -> HttpResponse:  # noqa: A002
        target = self._target(request, id, "credit_portal.reset_credentials")
        if request.method == "POST":
            return self._issue_code(request, target, services.issue_enrolment_code,
                                    title=_("Second-factor enrolment code"), was_reset=False)
        return self._page(request, target, "admin/credit_portal/user/reset.html", enrolment_only=True,
                          title=_("Issue a second-factor enrolment code"))


@admin.register(EnrolmentCode)
class EnrolmentCodeAdmin(admin.ModelAdmin):
    list_display = ("user", "issued_by", "created_at", "expires_at", "used_at")
    list_select_related = ("user", "issued_by")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: EnrolmentCode | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: EnrolmentCode | None = None) -> bool:
        return False


# --- The audit trail ------------------------------------------------------------------------
class _ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(AuditEntry)
class AuditEntryAdmin(_ReadOnlyAdmin):
    list_display = (
        "sequence",
        "created_at",
        "actor_label",
        "action",
        "object_type",
        "object_id",
        "subject_ref",
        "ip_address",
    )
    list_filter = ("action",)
    # Exact match: object ids are looked up, not browsed.
    search_fields = ("=object_id",)
    ordering = ("-id",)
    date_hierarchy = "created_at"
    show_full_result_count = False


class AuditMaintenanceForm(forms.Form):
    """What the auditor asks for on the maintenance page; ``confirmed`` comes from the
    confirmation step, never from the first."""

    task = forms.ChoiceField(
        label=_("What to do"),
        choices=[("anchor", _("Anchor the audit chain now")), ("purge", _("Purge entries past retention"))],
        error_messages={"required": _("Choose what to do."), "invalid_choice": _("Choose what to do.")},
    )
    confirmed = forms.BooleanField(required=False, widget=forms.HiddenInput)


@admin.register(AuditAnchor)
class AuditAnchorAdmin(_ReadOnlyAdmin):
    list_display = ("id", "kind", "sequence", "head_hash", "created_at", "created_by")
    list_filter = ("kind",)
    ordering = ("-id",)
    change_list_template = "admin/credit_portal/auditanchor/change_list.html"

    def get_urls(self) -> list[Any]:
        return [
            path("maintenance/", self.admin_site.admin_view(self.maintenance_view),
                 name="credit_portal_auditanchor_maintenance"),
            *super().get_urls(),
        ]

    def changelist_view(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> HttpResponse:
        extra_context = {**(extra_context or {}), "may_maintain": can_maintain_audit_trail(request.user)}
        return super().changelist_view(request, extra_context)

    def maintenance_view(self, request: HttpRequest) -> HttpResponse:
        """The audit administrator anchors the chain on demand or runs the retention purge,
        each after a confirmation step, through the services the commands call
        (``anchor_chain``, ``purge_expired``); the page lists the last anchors and purges."""
        if not can_maintain_audit_trail(request.user):
            raise PermissionDenied
        form = AuditMaintenanceForm(request.POST or None)
        context: dict[str, Any] = {
            **self.admin_site.each_context(request), "opts": self.opts, "title": _("Audit trail maintenance"),
            "form": form, "retention_days": settings.AUDIT_RETENTION_DAYS,
        }
        if request.method == "POST" and form.is_valid():
            task = form.cleaned_data["task"]
            if not form.cleaned_data["confirmed"]:
                through, count = audit_anchor.purge_preview() if task == "purge" else (0, 0)
                return TemplateResponse(request, "admin/credit_portal/auditanchor/maintenance_confirm.html", {
                    **context, "task": task, "through": through, "entries": count,
                    "title": _("Confirm: anchor the audit chain") if task == "anchor"
                    else _("Confirm: purge the audit trail"),
                })
            return self._run_maintenance(request, task)
        context.update(
            anchors=audit_anchor.recent_anchors(),
            purges=audit_anchor.recent_anchors(kinds=[AuditAnchor.Kind.PURGE]),
        )
        return TemplateResponse(request, "admin/credit_portal/auditanchor/maintenance.html", context)

    def _run_maintenance(self, request: HttpRequest, task: str) -> HttpResponse:
        back = HttpResponseRedirect(reverse("admin:credit_portal_auditanchor_maintenance"))
        if task == "anchor":
            anchor = audit_anchor.anchor_chain(kind=AuditAnchor.Kind.ON_DEMAND, by=request.user)
            messages.success(request, _("The audit chain was anchored at entry %(sequence)s and sent to the "
                                        "municipal platform.") % {"sequence": anchor.sequence})
            return back
        try:
            purged = audit_anchor.purge_expired(by=request.user)
        except audit_anchor.PurgeNotPossible:
            messages.error(request, _("The purge could not delete entries: the database connection for audit "
                                      "maintenance is not configured. Ask the system administrator to set it, "
                                      "then purge again. The purge anchor was kept and the chain still verifies."))
            return back
        if purged is None:
            messages.info(request, _("No entry is older than %(days)s days: nothing was purged.")
                          % {"days": settings.AUDIT_RETENTION_DAYS})
        else:
            messages.success(request, _("Entries up to %(sequence)s were purged; the chain now starts from the "
                                        "purge anchor.") % {"sequence": purged.sequence})
        return back


@admin.register(CalendarDay)
class CalendarDayAdmin(AuditedAdminMixin, admin.ModelAdmin):
    # A year is entered in one form from the State Council's notice (calendar_admin).
    change_list_template = "admin/credit_portal/calendarday/change_list.html"
    # The model field is verbose_name "name", which zh_Hans renders as 姓名 (a person's
    # name); here it is the name of a holiday.
    list_display = ("date", "kind", "holiday_name", "source")
    list_filter = ("kind",)
    search_fields = ("name",)
    date_hierarchy = "date"

    @admin.display(description=_("Holiday name"), ordering="name")
    def holiday_name(self, day: CalendarDay) -> str:
        return day.name

    def get_form(self, request: HttpRequest, obj: CalendarDay | None = None, **kwargs: object):  # type: ignore[override]
        form = super().get_form(request, obj, **kwargs)
        if "name" in form.base_fields:
            form.base_fields["name"].label = _("Holiday name")
        return form

    def get_urls(self):  # noqa: ANN201 - list of URL patterns
        from django.urls import path

        from credit_portal.calendar_admin import enter_year_view

        own = [path("enter-year/", self.admin_site.admin_view(lambda request: enter_year_view(self, request)),
                    name="credit_portal_calendarday_enter_year")]
        return own + super().get_urls()


# --- Lock-outs (django-axes): lifting one is the security administrator's, and audited ----
admin.site.unregister(AccessAttempt)
admin.site.unregister(AccessLog)
admin.site.unregister(AccessFailureLog)


class _SecurityAdminDeletes:
    """Deleting is the security administrator's alone and goes through an audited service;
    axes' own "clean up expired attempts" action (an unaudited delete) is not offered."""

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return can_unlock_accounts(request.user)

    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        actions = super().get_actions(request)  # type: ignore[misc]
        actions.pop("cleanup_expired_attempts", None)
        return actions


@admin.register(AccessAttempt)
class LockOutAdmin(_SecurityAdminDeletes, AccessAttemptAdmin):
    def delete_model(self, request: HttpRequest, obj: AccessAttempt) -> None:
        services.unlock_accounts([obj], by=request.user, request=request)  # type: ignore[arg-type]

    def delete_queryset(self, request: HttpRequest, queryset: Any) -> None:
        services.unlock_accounts(list(queryset), by=request.user, request=request)  # type: ignore[arg-type]


class _AuditedLogDeletes(_SecurityAdminDeletes):
    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        services.delete_access_logs([obj], by=request.user, request=request)

    def delete_queryset(self, request: HttpRequest, queryset: Any) -> None:
        services.delete_access_logs(list(queryset), by=request.user, request=request)


@admin.register(AccessLog)
class SignInLogAdmin(_AuditedLogDeletes, AccessLogAdmin):
    pass


@admin.register(AccessFailureLog)
class SignInFailureLogAdmin(_AuditedLogDeletes, AccessFailureLogAdmin):
    pass
