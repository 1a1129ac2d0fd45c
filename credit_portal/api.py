"""The one place where errors become API responses (STYLE.md), in one format.

Every error the API answers, ours or Django REST framework's, has the same body::

    {"code": "not_found", "detail": "找不到所请求的内容。"}

plus ``fields`` (``{"name": ["…"]}``) for input errors and whatever a view adds
(``reason`` for refused queries). ``code`` is stable for programs; ``detail`` is for
people, in the request's language (Chinese by default).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from credit_portal.exceptions import DomainError, NotFound, TransitionNotAllowed


def error_body(code: str, detail: str, **extra: Any) -> dict[str, Any]:
    return {"code": code, "detail": str(detail), **extra}


def error_response(code: str, detail: str, status_code: int, **extra: Any) -> Response:
    return Response(error_body(code, detail, **extra), status=status_code)


def _messages(detail: Any) -> Any:
    """DRF's nested ErrorDetail structure as plain strings."""
    if isinstance(detail, dict):
        return {str(key): _messages(value) for key, value in detail.items()}
    if isinstance(detail, list):
        return [_messages(item) for item in detail]
    return str(detail)


# Chinese (through the catalogue) messages for DRF's own errors, which it words itself.
def _drf_message(exc: exceptions.APIException) -> str:
    messages = {
        exceptions.NotAuthenticated: _("Sign in, or send your API key, to use this interface."),
        exceptions.AuthenticationFailed: str(exc.detail),
        exceptions.PermissionDenied: _("You do not have permission to do this."),
        exceptions.NotFound: _("Not found."),
        exceptions.MethodNotAllowed: _("This method is not allowed here."),
        exceptions.NotAcceptable: _("This response format is not available."),
        exceptions.UnsupportedMediaType: _("Send the request body as JSON."),
        exceptions.ParseError: _("The request body could not be read. Send valid JSON."),
        exceptions.Throttled: _("Too many requests. Try again later."),
    }
    for cls, message in messages.items():
        if isinstance(exc, cls):
            return message
    return _("The request could not be handled.")


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, NotFound | Http404):
        return error_response("not_found", str(exc) if isinstance(exc, NotFound) and str(exc) else _("Not found."),
                              status.HTTP_404_NOT_FOUND)
    if isinstance(exc, TransitionNotAllowed):
        return error_response("conflict", str(exc), status.HTTP_409_CONFLICT)
    if isinstance(exc, PermissionDenied):
        return error_response(
            "permission_denied", str(exc) or _("You do not have permission to do this."), status.HTTP_403_FORBIDDEN
        )
    if isinstance(exc, ValidationError):
        fields = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        return error_response("invalid", _("Check the fields named in the answer."), status.HTTP_400_BAD_REQUEST,
                              fields=fields)
    if isinstance(exc, DomainError):
        return error_response("refused", str(exc), status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, exceptions.ValidationError):
        detail = _messages(exc.detail)
        fields = detail if isinstance(detail, dict) else {"non_field_errors": detail}
        response = error_response("invalid", _("Check the fields named in the answer."), exc.status_code,
                                  fields=fields)
        return response
    if isinstance(exc, exceptions.APIException):
        response = drf_exception_handler(exc, context)
        if response is None:
            return None
        response.data = error_body(exc.get_codes() if isinstance(exc.get_codes(), str) else exc.default_code,
                                   _drf_message(exc))
        return response
    return None
