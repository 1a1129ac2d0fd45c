"""What every clerk and reviewer page shares: the access wrapper and the mapping of
domain errors to pages (PermissionDenied → 403, NotFound → 404, ValidationError →
the form's errors, TransitionNotAllowed → a message)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.forms import Form
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from archives import permissions
from credit_portal.exceptions import NotFound, TransitionNotAllowed


def staff_view(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Department staff and the credit office only (DESIGN §6): anonymous users go to
    the log-in page, citizens and institutions get 403; ``NotFound`` becomes 404."""

    @login_required
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        require(permissions.can_use_staff_pages(request.user))
        try:
            return view(request, *args, **kwargs)
        except NotFound:
            raise Http404 from None

    return wrapped


def require(allowed: bool) -> None:
    """Refuse with 403 unless the ``archives.permissions`` predicate said yes."""
    if not allowed:
        raise PermissionDenied


def add_errors(form: Form, exc: ValidationError) -> None:
    """Put a service's ``ValidationError`` on the form: on the field it names when the
    form has it, otherwise above the form."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


def refused(request: HttpRequest, exc: Exception, to: str) -> HttpResponse:
    """A state refusal (or a check that is not about one field) as a message, then back."""
    text = " ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
    messages.error(request, text)
    return redirect(to)


def confirm_delete(
    request: HttpRequest, *, delete: Callable[[], object], back: str, done: str, archive_id: int,
    template: str, context: dict[str, Any],
) -> HttpResponse:
    """The delete page of an unpublished draft (record or finding): GET asks to confirm,
    POST calls the service, then back to the archive; a state refusal goes ``back``.
    The caller has already asked the permission predicate."""
    if request.method == "POST":
        try:
            delete()
        except TransitionNotAllowed as exc:
            return refused(request, exc, back)
        messages.success(request, done)
        return redirect("archives:archive", archive_id=archive_id)
    return render(request, template, context)
