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


def _acting_as(resolve: Callable[[Any], object | None]) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """Pages for whoever ``resolve(user)`` finds (403 for anyone it does not); the view
    receives what it found as its second argument, never from the URL."""

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            actor = resolve(request.user)
            if actor is None:
                raise PermissionDenied
            return view(request, actor, *args, **kwargs)

        return signed_in_view(wrapped)

    return decorator


# A verified citizen only; the view receives ``subject`` (their own).
citizen_view = _acting_as(subject_for)
# Staff of a registered querying institution (or of a department that has one); the view
# receives ``institution``.
institution_view = _acting_as(acting_institution)


def signed_in_view(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    return login_required(never_cache(_not_found_is_404(view)))
