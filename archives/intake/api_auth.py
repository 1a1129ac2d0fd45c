"""DRF authentication of department systems, its error format and OpenAPI scheme."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import exceptions, status
from rest_framework.authentication import BaseAuthentication
from rest_framework.request import Request
from rest_framework.response import Response

from archives.intake import signing
from archives.intake.models import DepartmentSystem
from archives.intake.systems import key_index
from credit_portal.exceptions import DomainError, NotFound, TransitionNotAllowed


def refusal_messages() -> dict[str, str]:
    return {
        "unsigned": _("The request is not signed: send the key id, timestamp, nonce and signature headers."),
        "unknown_key": _("The key id is unknown or revoked."),
        "bad_timestamp": _("The timestamp must be Unix time in whole seconds."),
        "stale_timestamp": _("The timestamp is outside the allowed window: check the system clock and sign again."),
        "bad_nonce": _("The nonce must be 16 to 64 letters, digits, - or _."),
        "bad_signature": _("The signature does not match the request."),
        "replayed": _("This request was already received (the nonce was used): sign a new request."),
    }


class SignatureFailed(exceptions.AuthenticationFailed):
    def __init__(self, code: str) -> None:
        super().__init__(detail=refusal_messages()[code], code=code)


class DepartmentSystemAuthentication(BaseAuthentication):
    """Authenticates a signed request as the system's service account (a clerk of its
    department); ``request.auth`` is the ``DepartmentSystem``."""

    def authenticate(self, request: Request) -> tuple[Any, DepartmentSystem] | None:
        headers = request.headers
        key_id = headers.get(signing.KEY_HEADER, "")
        values = [headers.get(h, "") for h in (signing.TIMESTAMP_HEADER, signing.NONCE_HEADER, signing.SIGNATURE_HEADER)]
        if not key_id or not all(values):
            raise SignatureFailed("unsigned")
        system = (
            DepartmentSystem.objects.select_related("account", "department")
            .filter(key_id_index=key_index(key_id[:200]), is_active=True).first()
        )
        if system is None or not system.account.is_active:
            raise SignatureFailed("unknown_key")
        timestamp, nonce, signature = values
        try:
            signing.verify(
                method=request.method or "", path=request.path, query=request.META.get("QUERY_STRING", ""),
                body=request.body, timestamp=timestamp, nonce=nonce, signature=signature, secret=system.secret,
                replay_scope=str(system.pk),
            )
        except signing.SignatureRefused as exc:
            raise SignatureFailed(exc.code) from None
        return system.account, system

    def authenticate_header(self, request: Request) -> str:
        return "HMAC-SM3"


class SignatureScheme(OpenApiAuthenticationExtension):
    target_class = DepartmentSystemAuthentication
    name = "departmentSignature"

    def get_security_definition(self, auto_schema: Any) -> dict[str, Any]:
        return {
            "type": "apiKey", "in": "header", "name": signing.SIGNATURE_HEADER,
            "description": (
                "部门业务系统签名：请求头 X-Credit-Key（密钥标识）、X-Credit-Timestamp（Unix 秒）、"
                "X-Credit-Nonce（16–64 位随机串，不得重复）、X-Credit-Signature（hmac-sm3=十六进制），"
                "签名内容为“方法\\n路径\\n查询串\\n时间戳\\n随机串\\n”加请求正文，密钥为信用办签发的签名密钥。"
            ),
        }


def error_body(code: str, message: str, field: str = "") -> dict[str, Any]:
    item: dict[str, Any] = {"code": code, "message": message}
    if field:
        item["field"] = field
    return {"errors": [item]}


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response:
    """Every error of the department API in one format: ``{"errors": [{code, message, field?}]}``."""
    if isinstance(exc, exceptions.AuthenticationFailed | exceptions.NotAuthenticated):
        code = exc.get_codes() if isinstance(exc.get_codes(), str) else "unsigned"
        response = Response(error_body(str(code), str(exc.detail)), status=status.HTTP_401_UNAUTHORIZED)
        response["WWW-Authenticate"] = "HMAC-SM3"
        return response
    if isinstance(exc, exceptions.ParseError):
        return Response(error_body("parse_error", _("The request body is not valid JSON.")), status=400)
    if isinstance(exc, exceptions.UnsupportedMediaType):
        return Response(error_body("unsupported_media_type", _("Send the body as application/json.")), status=415)
    if isinstance(exc, exceptions.MethodNotAllowed):
        return Response(error_body("method_not_allowed", _("This method is not allowed here.")), status=405)
    if isinstance(exc, exceptions.NotAcceptable):
        return Response(error_body("not_acceptable", _("Only JSON responses are available.")), status=406)
    if isinstance(exc, exceptions.Throttled):
        return Response(error_body("throttled", _("Too many requests: try again later.")), status=429)
    if isinstance(exc, NotFound | exceptions.NotFound):
        return Response(error_body("not_found", _("No such record of your department.")), status=404)
    if isinstance(exc, exceptions.PermissionDenied | DjangoPermissionDenied):
        return Response(error_body("forbidden", str(exc) or _("Not allowed.")), status=403)
    if isinstance(exc, TransitionNotAllowed | DomainError):
        # A transition refused, or another writer's rows at the same moment
        # (importer.ImportConflict): nothing was written, the message says so.
        return Response(error_body("conflict", str(exc)), status=409)
    if isinstance(exc, exceptions.ValidationError):
        errors = []
        detail = exc.detail if isinstance(exc.detail, dict) else {"": exc.detail}
        for field, messages in detail.items():
            for message in messages if isinstance(messages, list) else [messages]:
                errors.append({"code": getattr(message, "code", "invalid"), "message": str(message),
                               **({"field": field} if field and field != "non_field_errors" else {})})
        return Response({"errors": errors}, status=400)
    if isinstance(exc, DjangoValidationError):
        return Response({"errors": [{"code": "invalid", "message": m} for m in exc.messages]}, status=400)
    if isinstance(exc, exceptions.APIException):
        return Response(error_body(str(exc.get_codes()), str(exc.detail)), status=exc.status_code)
    raise exc
