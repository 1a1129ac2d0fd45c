"""The signed-in user's access kept in the session across requests (``departments.scope``)."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib.auth import SESSION_KEY
from django.http import HttpRequest, HttpResponse

from departments.scope import load_access, save_access


class SessionAccessMiddleware:
    """The signed-in user's role groups and department memberships from the session.

    Every page asks for them (the navigation, the access wrapper, the department scope):
    two queries a request. ``departments.scope`` saves them in the session under the
    user's ``access_version``, which every change of a role or membership advances, and
    uses them only while the user row, read on every request, still holds that version: a
    revoked role or membership takes effect on the next request. Must come after
    ``AuthenticationMiddleware``.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        session = getattr(request, "session", None)
        # Only a signed-in session: an anonymous visitor's user is not loaded for this.
        user = request.user if session is not None and session.get(SESSION_KEY) is not None else None
        if user is not None:
            load_access(user, session)
        response = self.get_response(request)
        # The user this request ends with (none after a sign-out; another after a sign-in).
        if user is not None and getattr(request, "user", None) is not None and request.user.pk == user.pk:
            save_access(user, session)
        return response
