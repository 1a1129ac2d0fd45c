"""The seam for a government single sign-on (OIDC) provider for citizens.

Today citizens prove who they are with a one-time code sent to the phone a
department holds for them (``disclosure.services.registration``). Many provinces run an
identity provider for citizens (e.g. a provincial "政务服务网" unified identity
platform, or the national 国家政务服务平台 统一身份认证) speaking OpenID Connect. To
plug one in:

1. Write a class implementing :class:`IdentityProvider` (typically with an OIDC
   client library against the provider's discovery document; authorization code
   flow with PKCE, ``state`` and ``nonce`` checked, ID token signature verified).
2. Set ``CITIZEN_IDENTITY_PROVIDER = "yourpackage.module.ClassName"`` in settings,
   with whatever settings the class reads (issuer, client id, client secret from
   the environment or a secrets file, never the repository).
3. The sign-up page then offers "sign in with the government account"; the views
   ``disclosure.views.citizen.oidc_start`` / ``oidc_callback`` call
   :meth:`IdentityProvider.begin` and :meth:`IdentityProvider.complete`, and the
   verified identity is linked by ``services.registration.link_verified_identity``,
   the same function the SMS path ends in.

No provider is bundled: an imitation would be a way to claim a record without proof.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from django.http import HttpRequest, HttpResponse
from django.utils.module_loading import import_string

from disclosure import conf


@dataclass(frozen=True)
class VerifiedIdentity:
    """What a provider asserts after a successful sign-in."""

    name: str
    id_number: str
    provider: str
    # Level of assurance the provider reports (e.g. "L3" for face + ID check).
    assurance: str = ""


class IdentityProvider(Protocol):
    name: str

    def begin(self, request: HttpRequest, *, callback_url: str) -> HttpResponse:
        """Redirect the browser to the provider (store state/nonce in the session)."""
        ...

    def complete(self, request: HttpRequest) -> VerifiedIdentity:
        """Finish the flow at the callback; raise ``PermissionDenied`` on any failure."""
        ...


def configured_provider() -> IdentityProvider | None:
    path = conf.get("CITIZEN_IDENTITY_PROVIDER")
    if not path:
        return None
    return import_string(path)()
