"""Access decorators shared by the disclosure pages (DESIGN §6).

Anonymous users go to the log-in page; signed-in users of the wrong kind get 403;
``NotFound`` from a selector becomes 404 (a changed id in the URL must not tell that
someone else's object exists).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.core.exceptions import PermissionDenied
from django.forms import Form
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _

from credit_portal import ratelimit
from credit_portal.exceptions import NotFound
from credit_portal.http import guarded
from disclosure import conf
from disclosure.selectors import acting_institution, own_archive_of, subject_for


def _signed_in(user: object) -> bool:
    return True  # login_required has already sent anonymous visitors to the log-in page


# Any signed-in user; the page itself asks its predicate.
signed_in_view = guarded(_signed_in, never_cached=True)


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


def citizen_archive_view(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """``citizen_view`` for a page of one of the citizen's archives: the view receives
    ``subject`` and the archive, read together in one query (``own_archive_of``). When it
    finds none, who the user is decides, as before: 403 for anyone but a citizen, 404 for
    an archive not theirs."""

    @wraps(view)
    def wrapped(request: HttpRequest, archive_id: object) -> HttpResponse:
        archive = own_archive_of(request.user, archive_id)
        subject = subject_for(request.user)  # from that read when it found the archive
        if subject is None:
            raise PermissionDenied
        if archive is None:
            raise NotFound("No such archive.")
        return view(request, subject, archive)

    return signed_in_view(wrapped)
# Staff of a registered querying institution (or of a department that has one); the view
# receives ``institution``.
institution_view = _acting_as(acting_institution)


def network_allows(request: HttpRequest, form: Form, scope: str, setting: str) -> bool:
    """The hourly per-network limit of a public form (``setting`` names it); once spent,
    the form says so above its fields and the caller runs nothing."""
    if ratelimit.hit_ip(request, scope, limit=conf.get(setting), window=3600):
        return True
    form.add_error(None, _("Too many attempts from your network. Try again in an hour."))
    return False
