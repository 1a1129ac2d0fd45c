"""The credit office issues, lists and revokes institutions' API keys.

A new key is shown once, on the page right after it is issued (kept in the session
for that one page, then dropped); only its hash is stored.
"""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from credit_portal.exceptions import TransitionNotAllowed
from credit_portal.forms import DateField, GovukFormMixin
from departments.scope import is_credit_office
from disclosure.models import InstitutionAPIKey, InstitutionStaff
from disclosure.services import institutions

SESSION_NEW_KEY = "disclosure_new_api_key"


class StaffChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: InstitutionStaff) -> str:
        return f"{obj.institution.name}：{obj.user}"


class IssueKeyForm(GovukFormMixin, forms.Form):
    staff = StaffChoiceField(
        label=gettext_lazy("Institution and the account the key acts as"),
        queryset=InstitutionStaff.objects.none(),
        empty_label=gettext_lazy("Choose an institution's account"),
        error_messages={
            "required": gettext_lazy("Choose the institution's account the key acts as"),
            "invalid_choice": gettext_lazy("Choose the institution's account the key acts as"),
        },
    )
    name = forms.CharField(
        label=gettext_lazy("Name of the key"), max_length=50,
        help_text=gettext_lazy("Which of the institution's systems uses it, for example 人事管理系统."),
        error_messages={"required": gettext_lazy("Enter a name for the key")},
    )
    expires_on = DateField(label=gettext_lazy("Valid until (optional)"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["staff"].queryset = (
            InstitutionStaff.objects.filter(institution__is_active=True, user__is_active=True)
            .select_related("institution", "user")
            .order_by("institution__name", "user__username")
        )


def _credit_office(request: HttpRequest) -> None:
    if not is_credit_office(request.user):
        raise PermissionDenied


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def api_keys(request: HttpRequest) -> HttpResponse:
    _credit_office(request)
    form = IssueKeyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        expires_on: datetime.date | None = form.cleaned_data.get("expires_on")
        expires_at = (
            timezone.make_aware(datetime.datetime.combine(expires_on, datetime.time.max)) if expires_on else None
        )
        try:
            api_key, key = institutions.issue_api_key(
                form.cleaned_data["staff"], name=form.cleaned_data["name"], by=request.user, expires_at=expires_at
            )
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                for field, errors in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                form.add_error(None, exc.messages)
        else:
            request.session[SESSION_NEW_KEY] = {"id": api_key.pk, "key": key}
            return redirect("disclosure:api_key_issued")
    keys = InstitutionAPIKey.objects.select_related("institution", "acts_as", "issued_by").order_by("revoked", "-created")
    return render(request, "disclosure/api_keys.html", {"form": form, "keys": keys, "now": timezone.now()})


@login_required
@never_cache
def api_key_issued(request: HttpRequest) -> HttpResponse:
    _credit_office(request)
    shown = request.session.pop(SESSION_NEW_KEY, None)
    if not shown:
        return redirect("disclosure:api_keys")
    api_key = get_object_or_404(InstitutionAPIKey.objects.select_related("institution"), pk=shown["id"])
    return render(request, "disclosure/api_key_issued.html", {"api_key": api_key, "key": shown["key"]})


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def api_key_revoke(request: HttpRequest, prefix: str) -> HttpResponse:
    _credit_office(request)
    api_key = get_object_or_404(InstitutionAPIKey.objects.select_related("institution", "acts_as"), prefix=prefix[:8])
    if request.method == "POST":
        try:
            institutions.revoke_api_key(api_key, by=request.user)
        except TransitionNotAllowed as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("The key has been revoked. Requests made with it are now refused."))
        return redirect("disclosure:api_keys")
    return render(request, "disclosure/api_key_revoke.html", {"api_key": api_key})
