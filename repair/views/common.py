"""What the repair pages share: access decorators and the mapping of a service's
refusals onto a form. Access itself is decided by ``repair.permissions``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.forms import Form
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect
from django.utils.datastructures import MultiValueDict

from credit_portal.exceptions import TransitionNotAllowed
from credit_portal.forms import add_errors
from credit_portal.http import guarded
from repair import permissions


def posted(request: HttpRequest) -> QueryDict | None:
    """The POST data of a submission (even an empty one), None for a GET."""
    return request.POST if request.method == "POST" else None


def posted_files(request: HttpRequest) -> MultiValueDict[str, UploadedFile] | None:
    return request.FILES if request.method == "POST" else None


def confirmed(request: HttpRequest) -> bool:
    """True when the POST confirms answers already shown on a check-your-answers page."""
    return request.POST.get("confirmed") == "1"


# A forbidden act is 403 (PermissionDenied propagates); these are told on the page.
REFUSALS = (ValidationError, TransitionNotAllowed)


def form_step(
    request: HttpRequest, form: Form, act: Callable[[dict[str, Any]], object], *, success: str, to: str,
    **to_kwargs: Any,
) -> HttpResponse | None:
    """The one shape of a form page: on a valid POST run ``act`` (a service call) with
    the cleaned data; done → message and redirect to ``to``; refused → the form carries
    the service's message and None is returned so the caller renders the page again."""
    if request.method != "POST" or not form.is_valid():
        return None
    try:
        act(form.cleaned_data)
    except REFUSALS as exc:
        add_errors(form, exc)
        return None
    messages.success(request, success)
    return redirect(to, **to_kwargs)


# Department staff and the credit office; others 403; ``NotFound`` → 404.
staff_view = guarded(permissions.is_staff_member, never_cached=True)
# The credit office only (403 for everyone else).
office_view = guarded(permissions.is_credit_office, never_cached=True)
