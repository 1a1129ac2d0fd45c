"""Domain errors of the archives app (re-exported shared ones for convenience)."""

from __future__ import annotations

from credit_portal.exceptions import DomainError, NotFound, TransitionNotAllowed

__all__ = ["DomainError", "NotFound", "TransitionNotAllowed"]
