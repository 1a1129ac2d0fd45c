"""The credit office issues, lists and revokes institutions' API keys.

A new key is shown once, on the page right after it is issued (kept in the session
for that one page, then dropped); only its hash is stored.
"""

from __future__ import annotations

import datetime

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from credit_portal.exceptions import TransitionNotAllowed
from credit_portal.forms import DateField, GovukFormMixin, add_errors
from disclosure import permissions, selectors
from disclosure.models import InstitutionStaff
from disclosure.services import institutions
from disclosure.views.common import signed_in_view

SESSION_NEW_KEY = "disclosure_new_api_key"


class StaffChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: InstitutionStaff) -> str:
        return f"{obj.institution.name}：{obj.user}"


class IssueKeyForm(GovukFormMixin, forms.Form):
    staff = StaffChoiceField(
        label=gettext_lazy("Institution and the account the key acts as"),
        queryset=selectors.key_holder_choices(),
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


def _credit_office(request: HttpRequest) -> None:
    if not permissions.may_manage_institutions(request.user):
        raise PermissionDenied


@signed_in_view
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
            add_errors(form, exc)
        else:
            request.session[SESSION_NEW_KEY] = {"id": api_key.pk, "key": key}
            return redirect("disclosure:api_key_issued")
    keys = selectors.api_keys_for_office()
    return render(request, "disclosure/api_keys.html", {"form": form, "keys": keys, "now": timezone.now()})


@signed_in_view
def api_key_issued(request: HttpRequest) -> HttpResponse:
    _credit_office(request)
    shown = request.session.pop(SESSION_NEW_KEY, None)
    if not shown:
        return redirect("disclosure:api_keys")
    api_key = selectors.get_api_key(pk=shown["id"])
    return render(request, "disclosure/api_key_issued.html", {"api_key": api_key, "key": shown["key"]})


@signed_in_view
@require_http_methods(["GET", "POST"])
def api_key_revoke(request: HttpRequest, prefix: str) -> HttpResponse:
    _credit_office(request)
    api_key = selectors.get_api_key(prefix=prefix)
    if request.method == "POST":
        try:
            institutions.revoke_api_key(api_key, by=request.user)
        except TransitionNotAllowed as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("The key has been revoked. Requests made with it are now refused."))
        return redirect("disclosure:api_keys")
    return render(request, "disclosure/api_key_revoke.html", {"api_key": api_key})
