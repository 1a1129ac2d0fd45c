"""A malformed request gets the portal's own 400 page, or its JSON error format under
/api/, never Django's bare "Bad Request"."""

from __future__ import annotations

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def test_bad_request_page_is_the_portals_in_chinese(db):
    response = Client(raise_request_exception=False).get("/", HTTP_HOST="evil.example")
    assert response.status_code == 400
    page = response.content.decode()
    assert "无法处理该请求" in page
    assert "govuk-template" in page


def test_bad_request_under_api_is_the_json_error_format(db):
    response = Client(raise_request_exception=False).post(
        "/api/disclosure/queries/", data="{}", content_type="application/json", HTTP_HOST="evil.example"
    )
    assert response.status_code == 400
    assert response.json() == {"code": "bad_request", "detail": "无法处理该请求。"}
