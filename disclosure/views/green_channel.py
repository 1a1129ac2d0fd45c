"""The green channel check page for licensing and approving departments (001 §四;
004 item 23). Thin: the form validates, ``services.green_channel`` checks, logs and
audits; ``archives.levels.permissions`` decides who may."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from archives.levels.green_channel import licensing_department
from archives.levels.permissions import can_use_green_channel
from credit_portal.forms import add_errors
from disclosure import forms
from disclosure.services.green_channel import check_green_channel


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def green_channel(request: HttpRequest) -> HttpResponse:
    if not can_use_green_channel(request.user):
        raise PermissionDenied
    form = forms.GreenChannelForm(request.POST or None)
    answer = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            answer = check_green_channel(by=request.user, name=data["name"], id_number=data["id_number"],
                                         matter=data["matter"], detail=data["detail"], request=request)
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            # A fresh form for the next check: the ID number is not echoed back.
            form = forms.GreenChannelForm()
    return render(request, "disclosure/green_channel.html", {
        "form": form, "answer": answer, "department": licensing_department(request.user),
    })
