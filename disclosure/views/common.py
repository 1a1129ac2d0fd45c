"""Access decorators shared by the disclosure pages (DESIGN §6).

Anonymous users go to the log-in page; signed-in users of the wrong kind get 403;
``NotFound`` from a selector becomes 404 (a changed id in the URL must not tell that
someone else's object exists).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.cache import never_cache

from credit_portal.exceptions import NotFound
from disclosure.selectors import acting_institution, subject_for


def _not_found_is_404(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except NotFound:
            raise Http404 from None

    return wrapped


def citizen_view(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """A verified citizen only; the view receives ``subject`` (their own, never from the URL)."""

    @login_required
    @never_cache
    @wraps(view)
    @_not_found_is_404
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        subject = subject_for(request.user)
        if subject is None:
            raise PermissionDenied
        return view(request, subject, *args, **kwargs)

    return wrapped


def institution_view(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Staff of a registered querying institution (or of a department that has one)."""

    @login_required
    @never_cache
    @wraps(view)
    @_not_found_is_404
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        institution = acting_institution(request.user)
        if institution is None:
            raise PermissionDenied
        return view(request, institution, *args, **kwargs)

    return wrapped


def signed_in_view(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    return login_required(never_cache(_not_found_is_404(view)))
