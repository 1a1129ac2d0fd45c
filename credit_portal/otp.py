"""The second factor for staff (DESIGN §8): TOTP through django-otp, single use.

Staff — department members, the credit office, the auditor, the security and system
administrators, anyone with ``is_staff`` — must verify a TOTP code after their password
when ``settings.STAFF_OTP_REQUIRED`` is on (the default in production). A staff user
without a device is sent to enrol one first. Citizens and institutions sign in with
their password (citizens prove who they are by the one-time code at registration).

django-otp's ``TOTPDevice.verify_token`` remembers the last time step used, so a code
that has been accepted once is refused if replayed.

Enrolment needs more than the password: a one-time enrolment code that the security
administrator issued to the account's owner (``credit_portal.services.issue_enrolment_code``).
Only after that code does the page show the new authenticator's secret; the code is
spent when the authenticator is confirmed. So whoever learns a staff password cannot
bind their own authenticator to the account.
"""

from __future__ import annotations

import base64
import io
from collections.abc import Callable
from typing import TYPE_CHECKING

from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from credit_portal import ratelimit
from credit_portal.forms import GovukFormMixin, normalize_digits
from credit_portal.roles import Role
from credit_portal.services import complete_enrolment, redeemable_code

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from credit_portal.models import User

# Session key holding the id of the enrolment code the user has shown on this sign-in.
_CODE_SESSION_KEY = "otp_enrolment_code"
# Enrolment codes carry 80 bits; the limit stops guessing being worth a try anyway.
ENROLMENT_ATTEMPTS_PER_HOUR = 10

STAFF_ROLES = {
    Role.DEPARTMENT_CLERK, Role.DEPARTMENT_REVIEWER, Role.CREDIT_OFFICE, Role.AUDITOR,
    Role.SECURITY_ADMIN, Role.SYSTEM_ADMIN,
}
# Paths a staff user may reach before the second factor: the factor itself, leaving,
# and what every page needs to render.
EXEMPT_PREFIXES = ("/accounts/", "/static/", "/i18n/", "/elderly-mode/", "/healthz")


_STAFF_ROLE_NAMES = frozenset(str(role) for role in STAFF_ROLES)


def _role_names_read(user: User) -> frozenset[str]:
    return frozenset(user.groups.values_list("name", flat=True))


def _membership_read(user: User) -> bool:
    return user.memberships.exists()  # type: ignore[attr-defined]


# How the user's role groups and membership of any department are read: departments (an
# app above this one) installs at start-up the reads from the access the session keeps
# (``use_access``, from departments.apps); these two queries are the fallback.
_access: dict[str, Callable[[User], object]] = {"roles": _role_names_read, "member": _membership_read}


def use_access(*, roles: Callable[[User], frozenset[str]], member: Callable[[User], bool]) -> None:
    _access.update(roles=roles, member=member)


def is_staff_user(user: User | AnonymousUser) -> bool:
    """Staff: ``is_staff``, a staff role, or a member of any department (a retired one
    too). Asked on every signed-in request: the role groups and memberships come from the
    access the session keeps (``departments.scope``), which every change of a role,
    membership or department makes out of date, so no query in the steady state."""
    if not getattr(user, "is_authenticated", False):
        return False
    if getattr(user, "is_staff", False) or getattr(user, "is_superuser", False):
        return True
    if not _STAFF_ROLE_NAMES.isdisjoint(_access["roles"](user)):  # type: ignore[arg-type]
        return True
    return bool(_access["member"](user))  # type: ignore[arg-type]


def needs_second_factor(request: HttpRequest) -> bool:
    user = request.user
    return (
        settings.STAFF_OTP_REQUIRED
        and user.is_authenticated
        and not user.is_verified()  # type: ignore[union-attr]
        and is_staff_user(user)
    )


class StaffSecondFactorMiddleware:
    """Sends a signed-in staff user without a verified second factor to verify or enrol.

    Must come after ``credit_portal.otp_device.SessionOTPMiddleware`` (django-otp's ``OTPMiddleware``).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path.startswith(EXEMPT_PREFIXES) or not needs_second_factor(request):
            return self.get_response(request)
        if request.path.startswith("/api/"):
            return HttpResponse(status=403)
        target = "otp_verify" if TOTPDevice.objects.filter(user=request.user, confirmed=True).exists() else "otp_setup"
        return HttpResponseRedirect(f"{reverse(target)}?next={request.get_full_path()}")


class TokenForm(GovukFormMixin, forms.Form):
    token = forms.CharField(
        label=_("Code from your authenticator app"),
        help_text=_("6 digits, for example 123456"),
        max_length=12,
        error_messages={"required": _("Enter the 6-digit code from your authenticator app")},
    )

    def clean_token(self) -> str:
        token = normalize_digits(self.cleaned_data["token"]).replace(" ", "")
        if not (token.isdigit() and len(token) == 6):
            raise forms.ValidationError(_("The code is 6 digits"))
        return token


class EnrolmentCodeForm(GovukFormMixin, forms.Form):
    code = forms.CharField(
        label=_("Enrolment code"),
        help_text=_("The 16-character code the security administrator gave you, for example ABCD-EFGH-JKMN-PQRS"),
        max_length=40,
        error_messages={"required": _("Enter the enrolment code the security administrator gave you")},
    )

    def clean_code(self) -> str:
        code = normalize_digits(self.cleaned_data["code"]).strip()
        if len("".join(ch for ch in code if ch.isalnum())) != 16:
            raise forms.ValidationError(_("The enrolment code has 16 letters and digits"))
        return code


def _next_url(request: HttpRequest) -> str:
    from credit_portal.views import home_for

    # Without a (safe) next, staff land on their role's start page, as at sign-in.
    target = request.POST.get("next") or request.GET.get("next") or home_for(request.user)
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return home_for(request.user)
    return target


def _code_page(
    request: HttpRequest, form: forms.Form, field: str, *, heading: str, lead: str, width: str
) -> HttpResponse:
    """The one page that asks a staff user for a code: the authenticator's, or the
    enrolment code handed over in person. Only the wording and the field differ."""
    return render(request, "registration/otp_code.html", {
        "form": form, "code_field": form[field], "heading": heading, "lead": lead, "input_width": width,
        "next": _next_url(request),
    })


@never_cache
@login_required
def verify(request: HttpRequest) -> HttpResponse:
    """Ask a staff user for the current TOTP code of their confirmed device."""
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        for device in TOTPDevice.objects.filter(user=request.user, confirmed=True):
            if device.verify_token(form.cleaned_data["token"]):
                otp_login(request, device)
                return HttpResponseRedirect(_next_url(request))
        form.add_error("token", _("The code is wrong or has already been used. Wait for the next code and try again."))
    return _code_page(
        request, form, "token", heading=_("Enter your security code"), width="govuk-input--width-10",
        lead=_("Staff accounts sign in with a second factor. Open your authenticator app and enter the code it "
               "shows for this portal."),
    )


def _qr_data_uri(uri: str) -> str:
    import qrcode
    import qrcode.image.svg

    image = qrcode.make(uri, image_factory=qrcode.image.svg.SvgPathImage, box_size=10)
    buffer = io.BytesIO()
    image.save(buffer)
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def _shown_code_id(request: HttpRequest) -> int | None:
    code_id = request.session.get(_CODE_SESSION_KEY)
    return code_id if isinstance(code_id, int) else None


@never_cache
@login_required
def setup(request: HttpRequest) -> HttpResponse:
    """Enrol a TOTP device: first the enrolment code, then the secret as a QR code and
    as text, confirmed with a code from the app."""
    if TOTPDevice.objects.filter(user=request.user, confirmed=True).exists():
        return HttpResponseRedirect(reverse("otp_verify"))
    if _shown_code_id(request) is None:
        return _ask_enrolment_code(request)
    device, _created = TOTPDevice.objects.get_or_create(
        user=request.user, confirmed=False, defaults={"name": "authenticator"}
    )
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["token"]):
            if not complete_enrolment(request.user, device=device, code_id=_shown_code_id(request), request=request):  # type: ignore[arg-type]
                request.session.pop(_CODE_SESSION_KEY, None)
                return _ask_enrolment_code(request, expired=True)
            request.session.pop(_CODE_SESSION_KEY, None)
            otp_login(request, device)
            return HttpResponseRedirect(_next_url(request))
        form.add_error("token", _("The code does not match. Check the time on your phone and try the next code."))
    secret = base64.b32encode(device.bin_key).decode("ascii").rstrip("=")
    return render(
        request,
        "registration/otp_setup.html",
        {"form": form, "secret": secret, "qr": _qr_data_uri(device.config_url), "next": _next_url(request)},
    )


def _ask_enrolment_code(request: HttpRequest, *, expired: bool = False) -> HttpResponse:
    posted = request.method == "POST" and "code" in request.POST and not expired
    form = EnrolmentCodeForm(request.POST if posted else None)
    if expired:
        form = EnrolmentCodeForm({"code": ""})
        form.errors["code"] = form.error_class(
            [_("That enrolment code has been used or has expired. Ask the security administrator for a new one.")]
        )
    elif posted and form.is_valid():
        allowed = ratelimit.hit("otp-enrolment", str(request.user.pk), limit=ENROLMENT_ATTEMPTS_PER_HOUR, window=3600)
        issued = redeemable_code(request.user, form.cleaned_data["code"]) if allowed else None  # type: ignore[arg-type]
        if issued is not None:
            request.session[_CODE_SESSION_KEY] = issued.pk
            return HttpResponseRedirect(f"{reverse('otp_setup')}?next={_next_url(request)}")
        form.add_error(
            "code",
            _("The enrolment code is wrong, used or expired. Check it, or ask the security administrator for a new one.")
            if allowed
            else _("Too many wrong enrolment codes. Try again in an hour."),
        )
    return _code_page(
        request, form, "code", heading=_("Enter your enrolment code"), width="govuk-input--width-20",
        lead=_("Staff accounts sign in with a second factor. To set up your authenticator app, enter the one-time "
               "enrolment code the security administrator gave you in person."),
    )
