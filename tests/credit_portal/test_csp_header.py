"""The Content-Security-Policy header comes from credit_portal.middleware.SettingsCSPMiddleware,
which builds the settings' header once instead of on every response: it must give
exactly what django-csp gives, follow a changed setting and leave a view's own policy
(the API docs page's ``csp_update``) to django-csp."""

from __future__ import annotations

import pytest
from csp.constants import HEADER
from csp.utils import build_policy
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_a_page_gets_django_csps_header_for_the_settings(client) -> None:
    response = client.get(reverse("home"))
    assert response[HEADER] == build_policy()
    assert "script-src 'self'" in response[HEADER]
    assert "'unsafe-inline'" not in response[HEADER]


def test_a_changed_setting_changes_the_header(client, settings) -> None:
    client.get(reverse("home"))  # built for the first settings
    settings.CONTENT_SECURITY_POLICY = {"DIRECTIVES": {"default-src": ["'none'"]}}
    assert client.get(reverse("home"))[HEADER] == "default-src 'none'"


def test_a_views_own_policy_still_applies(client) -> None:
    response = client.get("/api/docs/interactive/")
    assert response.status_code == 200
    assert "style-src 'self' 'unsafe-inline'" in response[HEADER]
    # …and only there.
    assert "'unsafe-inline'" not in client.get(reverse("home"))[HEADER]
