"""Accounts, their role groups and second-factor enrolment codes (三权分立: the system administrator
keeps accounts, the security administrator grants roles and resets credentials)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from credit_portal import services
from credit_portal.admin.base import AuditedAdminMixin, AuditedReadAdminMixin, ReadOnlyAdminMixin
from credit_portal.models import EnrolmentCode, User
from credit_portal.roles import Role

# --- Role groups: read-only --------------------------------------------------------------
admin.site.unregister(Group)


@admin.register(Group)
class RoleGroupAdmin(ReadOnlyAdminMixin, GroupAdmin):
    pass


# --- Accounts -------------------------------------------------------------------------------
class EmailForm(forms.Form):
    email = forms.EmailField(label=_("New e-mail address"), max_length=254, required=False)


class RolesForm(forms.Form):
    roles = forms.MultipleChoiceField(
        label=_("Roles"), choices=Role.choices, required=False, widget=forms.CheckboxSelectMultiple
    )


@admin.register(User)
class PortalUserAdmin(AuditedReadAdminMixin, AuditedAdminMixin, UserAdmin):
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
    # A citizen's account carries their name (disclosure's registration): what is read of
    # accounts here is an audited read, naming the person when the account is a citizen's.
    # Changes of is_staff and is_active keep their values before and after (not the names:
    # no personal data in an entry's detail).
    audit_values = ("is_staff", "is_active")

    def subject_of(self, obj: User) -> object:
        return obj.citizen_profile.subject_id if hasattr(obj, "citizen_profile") else ""

    def has_delete_permission(self, request: HttpRequest, obj: User | None = None) -> bool:
        # An account is deactivated, never deleted: the trail and the rows it wrote name it,
        # and a deletion ended its memberships and grants by cascade, each without its
        # entry. A superuser included.
        return False

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
        return format_html_join(mark_safe("<br>"),  # noqa: S308 - a constant
            '<a href="{}">{}</a>', links)

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
class EnrolmentCodeAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("user", "issued_by", "created_at", "expires_at", "used_at")
    list_select_related = ("user", "issued_by")
