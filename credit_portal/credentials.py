"""Sign-in events in the audit trail, and the forced password change (DESIGN §8).

* Every sign-in, failed sign-in, lock-out, sign-out and password change is an audit
  entry (``credit_portal.user.<verb>``), appended with :func:`credit_portal.audit.record_read`
  so that sign-ins never wait on the chain head. A failed sign-in names the account
  only when it exists (by its id), never the typed username: that may be a phone number
  or a password typed into the wrong box.
* An account whose password someone else chose (``User.must_change_password``: a reset
  by the security administrator, a new account) is sent to choose its own before
  anything else.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django.contrib.auth import get_user_model, password_validation, update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import SetPasswordForm
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache

from credit_portal import audit
from credit_portal.forms import GovukFormMixin
from credit_portal.services import change_own_password

if TYPE_CHECKING:
    from django.http import QueryDict
    from django.utils.datastructures import MultiValueDict

    from credit_portal.models import User

# Paths an account that must change its password may still reach.
_EXEMPT_PREFIXES = ("/accounts/", "/static/", "/i18n/", "/elderly-mode/", "/healthz")


class ForcedPasswordChangeMiddleware:
    """Sends a signed-in user whose password someone else chose to choose their own."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and getattr(user, "must_change_password", False)
            and not request.path.startswith(_EXEMPT_PREFIXES)
        ):
            if request.path.startswith("/api/"):
                return HttpResponse(status=403)
            return HttpResponseRedirect(f"{reverse('password_renew')}?next={request.get_full_path()}")
        return self.get_response(request)


# The password validators' own wording, in the portal's words and naming the field.
_PASSWORD_RULES = {
    "password_too_short": _("The new password must be at least 10 characters long"),
    "password_too_similar": _("The new password is too like your username or name; choose another"),
    "password_too_common": _("The new password is too common; choose another"),
    "password_entirely_numeric": _("The new password cannot be digits only"),
}


class RenewPasswordForm(GovukFormMixin, SetPasswordForm):
    error_messages = {
        **SetPasswordForm.error_messages,
        "password_mismatch": _("The two new passwords do not match"),
    }

    def validate_password_for_user(self, user: User, password_field_name: str = "new_password2") -> None:  # noqa: S107 - a field name
        password = self.cleaned_data.get(password_field_name)
        if not password:
            return
        try:
            password_validation.validate_password(password, user)
        except ValidationError as error:
            messages = [_PASSWORD_RULES.get(e.code or "", e.messages[0]) for e in error.error_list]
            self.add_error(password_field_name, ValidationError(list(dict.fromkeys(messages))))

    # The user keyword-only, the data first, as every other page form takes them.
    def __init__(self, data: QueryDict | None = None, files: MultiValueDict | None = None, *, user: User, **kwargs: Any) -> None:
        super().__init__(user, data, **kwargs)


@never_cache
@login_required
def renew_password(request: HttpRequest) -> HttpResponse:
    """Choose a new password after someone else set one (a reset or a new account)."""
    user = request.user
    if not getattr(user, "must_change_password", False):
        return HttpResponseRedirect(reverse("home"))
    form = RenewPasswordForm(request.POST or None, user=user)
    if request.method == "POST" and form.is_valid():
        change_own_password(user, form.cleaned_data["new_password1"], request=request)  # type: ignore[arg-type]
        update_session_auth_hash(request, user)  # type: ignore[arg-type]
        from credit_portal.otp import _next_url

        return HttpResponseRedirect(_next_url(request))
    return render(
        request,
        "registration/password_renew.html",
        {"form": form, "reset_at": getattr(user, "credentials_reset_at", None), "next": request.GET.get("next", "")},
    )


# --- Signal receivers -------------------------------------------------------------------
def _on_logged_in(sender: type, request: HttpRequest | None, user: User, **kwargs: Any) -> None:
    audit.record_read("credit_portal.user.logged_in", actor=user, target=user, request=request)


def _on_logged_out(sender: type, request: HttpRequest | None, user: User | None, **kwargs: Any) -> None:
    if user is not None and getattr(user, "is_authenticated", False):
        audit.record_read("credit_portal.user.logged_out", actor=user, target=user, request=request)


def _known_account(credentials: dict[str, Any]) -> Any:
    username = credentials.get("username")
    if not isinstance(username, str) or not username or len(username) > 150:
        return None
    return get_user_model().objects.filter(username=username).first()


def _on_login_failed(sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any) -> None:
    account = _known_account(credentials)
    audit.record_read(
        "credit_portal.user.login_failed", actor=None, target=account,
        detail={"known_account": account is not None}, request=request,
    )


def _on_locked_out(sender: Any, request: HttpRequest | None = None, username: str | None = None, **kwargs: Any) -> None:
    account = _known_account({"username": username})
    audit.record_read(
        "credit_portal.user.locked_out", actor=None, target=account,
        detail={"known_account": account is not None}, request=request,
    )


def _on_user_saved(sender: Any, instance: Any, created: bool, **kwargs: Any) -> None:
    # AbstractBaseUser.save() keeps the new raw password in ``_password`` until after
    # post_save: a set_password() on an existing account, whatever path it took (admin,
    # a page, changepassword, a service), is in the trail.
    if not created and getattr(instance, "_password", None) is not None:
        audit.record("credit_portal.user.password_changed", target=instance)


def connect_signals() -> None:
    from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
    from django.db.models.signals import post_save

    user_logged_in.connect(_on_logged_in, dispatch_uid="credentials.logged_in")
    user_logged_out.connect(_on_logged_out, dispatch_uid="credentials.logged_out")
    user_login_failed.connect(_on_login_failed, dispatch_uid="credentials.login_failed")
    post_save.connect(_on_user_saved, sender=get_user_model(), dispatch_uid="credentials.user_saved")
    try:
        from axes.signals import user_locked_out
    except ImportError:  # axes not installed: nothing locks out
        return
    user_locked_out.connect(_on_locked_out, dispatch_uid="credentials.locked_out")

