"""Domain errors shared by every app. Services raise these, never HTTP responses.

``django.core.exceptions.PermissionDenied`` (403) and ``ValidationError`` (400) are
used as they are; these add the cases Django has no class for.
"""

from __future__ import annotations


class DomainError(Exception):
    """A rule of the domain refused the request (400)."""


class NotFound(DomainError):
    """The object does not exist, or the caller must not learn that it does (404)."""


class TransitionNotAllowed(DomainError):
    """The object's state does not allow this transition (409)."""
