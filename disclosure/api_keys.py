"""API authentication for institutions' systems: ``Authorization: Api-Key <key>``.

The key is looked up by its prefix and checked against its hash
(djangorestframework-api-key); a revoked or expired key, a deactivated account or an
account no longer acting for the key's institution are all refused with the same 401.
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions
from rest_framework.request import Request
from rest_framework_api_key.permissions import KeyParser

from disclosure import permissions
from disclosure.models import InstitutionAPIKey

KEYWORD = "Api-Key"


class InstitutionKeyAuthentication(authentication.BaseAuthentication):
    keyword = KEYWORD

    def authenticate(self, request: Request) -> tuple[Any, InstitutionAPIKey] | None:
        key = KeyParser().get(request._request)
        if key is None:
            return None
        key = key.strip()
        refused = exceptions.AuthenticationFailed(_("The API key is not valid, or has been revoked."))
        if not key or len(key) > 200 or not key.isascii():
            raise refused
        try:
            api_key = InstitutionAPIKey.objects.get_from_key(key)
        except InstitutionAPIKey.DoesNotExist:
            raise refused from None
        if not permissions.api_key_may_act(api_key):
            raise refused
        user = api_key.acts_as
        InstitutionAPIKey.objects.filter(pk=api_key.pk).update(last_used_at=timezone.now())
        return user, api_key

    def authenticate_header(self, request: Request) -> str:
        return self.keyword


class InstitutionKeyScheme(OpenApiAuthenticationExtension):
    """Tells the OpenAPI schema how the key is sent."""

    target_class = "disclosure.api_keys.InstitutionKeyAuthentication"
    name = "institutionApiKey"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "Api-Key <key>: the key the credit office issued to your institution.",
        }
