"""A citizen's forgotten password: a one-time code to the phone on file
(``disclosure.services.passwords``). Same pages whether or not the number is known."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from credit_portal import ratelimit
from credit_portal.forms import add_errors
from disclosure import conf, forms
from disclosure.services import passwords
from disclosure.services.registration import CodeRefused

SESSION_RESET = "disclosure_password_reset"


@never_cache
@require_http_methods(["GET", "POST"])
def password_reset(request: HttpRequest) -> HttpResponse:
    form = forms.PasswordResetStartForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if not ratelimit.hit_ip(
            request, "password-reset", limit=conf.get("DISCLOSURE_PASSWORD_RESET_PER_IP_HOUR"), window=3600
        ):
            form.add_error(None, _("Too many attempts from your network. Try again in an hour."))
        else:
            reset = passwords.start_password_reset(phone=form.cleaned_data["phone"], request=request)
            request.session[SESSION_RESET] = str(reset.pk)
            return redirect("disclosure:password_reset_verify")
    return render(request, "disclosure/password_reset.html", {"form": form})


@never_cache
@require_http_methods(["GET", "POST"])
def password_reset_verify(request: HttpRequest) -> HttpResponse:
    reset_id = request.session.get(SESSION_RESET)
    if not reset_id:
        return redirect("disclosure:password_reset")
    form = forms.PasswordResetCompleteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            passwords.complete_password_reset(
                reset_id, code=form.cleaned_data["code"], password=form.cleaned_data["password"], request=request
            )
        except ValidationError as exc:
            add_errors(form, exc)
        except CodeRefused as exc:
            form.add_error("code", exc.message)
        else:
            request.session.pop(SESSION_RESET, None)
            messages.success(request, _("Your password has been changed. Sign in with your new password."))
            return redirect("login")
    return render(request, "disclosure/password_reset_verify.html", {"form": form})
