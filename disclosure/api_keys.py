"""API authentication for institutions' systems: ``Authorization: Api-Key <key>``.

The key is looked up by its prefix and checked against its hash
(djangorestframework-api-key); a revoked or expired key, a deactivated account or an
account no longer acting for the key's institution are all refused with the same 401.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions
from rest_framework.request import Request
from rest_framework_api_key.permissions import KeyParser

from credit_portal.compiled import CompiledQuery
from credit_portal.models import USER_READ_WITH
from disclosure import permissions
from disclosure.models import InstitutionAPIKey

KEYWORD = "Api-Key"

# "Last used" as the credit office's list of keys shows it: to the minute.
LAST_USED_PRECISION = timedelta(minutes=1)


def _usable_key(prefix: str) -> QuerySet[InstitutionAPIKey]:
    # ``get_from_key``'s read (a key not revoked, by its prefix) with everything
    # ``permissions.api_key_may_act`` asks: the key's institution, its account, and that
    # account's own relations as every signed-in request reads them (``read_user``: its
    # staff membership with the institution it acts for).
    return (
        InstitutionAPIKey.objects.get_usable_keys().filter(prefix=prefix).order_by()
        .select_related("institution", "acts_as", *(f"acts_as__{name}" for name in USER_READ_WITH))
    )


# Compiled once per process (credit_portal.compiled), after the apps have filled
# USER_READ_WITH: the first request compiles it.
_USABLE_KEY = CompiledQuery(
    _usable_key, fields={"prefix": InstitutionAPIKey._meta.get_field("prefix")}, sentinels={"prefix": "sentinel"}
)


def usable_key(key: str) -> InstitutionAPIKey | None:
    """``InstitutionAPIKey.objects.get_from_key(key)`` (None where it raises), its
    institution and account read with it. Always from the primary, whichever view asks
    (none that takes keys reads from the replica today): a key revoked a moment ago
    stops at once, never after a replica's lag."""
    found = _USABLE_KEY.objects(prefix=key.partition(".")[0])
    return found[0] if found and found[0].is_valid(key) else None


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
        api_key = usable_key(key)
        if api_key is None or not permissions.api_key_may_act(api_key):
            raise refused
        now = timezone.now()
        if api_key.last_used_at is None or now - api_key.last_used_at >= LAST_USED_PRECISION:
            InstitutionAPIKey.objects.filter(pk=api_key.pk).update(last_used_at=now)
        return api_key.acts_as, api_key

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
