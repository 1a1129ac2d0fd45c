"""Institutions' API keys: issued, listed and revoked by the credit office only, shown
once, stored hashed; a key acts as one institution account; every API error in the
portal's one format (code + Chinese message)."""

from __future__ import annotations

import json

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.urls import reverse

from credit_portal.models import AuditEntry
from disclosure.models import InstitutionAPIKey, Purpose, QueryLog
from disclosure.services import institutions
from tests.disclosure.conftest import grant

pytestmark = pytest.mark.django_db


def _issue_through_pages(client, disc):
    client.force_login(disc.world.credit_office)
    staff = disc.employer_staff.institution_staff
    response = client.post(reverse("disclosure:api_keys"), {"staff": staff.pk, "name": "人事系统"})
    assert response.status_code == 302, response.content.decode()
    page = client.get(response["Location"])
    key = page.context["key"]
    return key, page


def _query(client, disc, code, key):
    body = {"name": disc.subject.name, "id_number": disc.subject.id_number, "code": code, "purpose": Purpose.RECRUITMENT}
    return client.post(
        reverse("disclosure:api_query"), data=json.dumps(body), content_type="application/json",
        HTTP_AUTHORIZATION=f"Api-Key {key}",
    )


def test_credit_office_issues_a_key_shown_once_and_stored_hashed(client, disc):
    key, page = _issue_through_pages(client, disc)
    assert key in page.content.decode()
    # Shown once: the page does not show it again.
    assert key not in client.get(reverse("disclosure:api_key_issued"), follow=True).content.decode()
    listing = client.get(reverse("disclosure:api_keys")).content.decode()
    assert "人事系统" in listing
    assert key not in listing
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT * FROM "{InstitutionAPIKey._meta.db_table}"')  # noqa: S608
        rows = repr(cursor.fetchall())
    assert key.split(".", 1)[1] not in rows
    assert AuditEntry.objects.filter(action="disclosure.api_key.issued").exists()


@pytest.mark.parametrize("who", ["edu_clerk", "citizen", "employer_staff"])
def test_nobody_but_the_credit_office_reaches_the_key_pages(client, disc, who):
    user = getattr(disc, who, None) or getattr(disc.world, who)
    client.force_login(user)
    staff = disc.employer_staff.institution_staff
    assert client.get(reverse("disclosure:api_keys")).status_code == 403
    assert client.post(reverse("disclosure:api_keys"), {"staff": staff.pk, "name": "x"}).status_code == 403
    assert not InstitutionAPIKey.objects.exists()
    with pytest.raises(PermissionDenied):
        institutions.issue_api_key(staff, name="x", by=user)
    assert not InstitutionAPIKey.objects.exists()


def test_a_key_queries_as_its_account_and_revoked_it_is_refused(client, disc):
    key, _page = _issue_through_pages(client, disc)
    client.logout()
    _authorization, code = grant(disc)
    response = _query(client, disc, code, key)
    assert response.status_code == 201, response.content
    log = QueryLog.objects.get(outcome=QueryLog.Outcome.GRANTED)
    assert log.actor == disc.employer_staff
    assert log.institution == disc.employer
    assert log.channel == "api"
    api_key = InstitutionAPIKey.objects.get()
    client.force_login(disc.world.credit_office)
    assert client.post(reverse("disclosure:api_key_revoke", args=[api_key.prefix])).status_code == 302
    client.logout()
    refused = _query(client, disc, code, key)
    assert refused.status_code == 401
    assert refused.json()["code"] == "authentication_failed"
    assert "吊销" in refused.json()["detail"]


def test_a_key_of_an_account_moved_out_of_its_institution_is_refused(client, disc):
    key, _page = _issue_through_pages(client, disc)
    client.logout()
    disc.employer_staff.institution_staff.delete()
    _authorization, code = grant(disc)
    assert _query(client, disc, code, key).status_code == 401


@pytest.mark.parametrize(
    "header",
    ["Token x", "Api-Key x", "Api-Key " + "a" * 5000, "Api-Key ０１２.３", "Bearer", "Api-Key", "Basic \x00"],
)
def test_hostile_authorization_headers_get_401_or_403_in_the_one_format(client, disc, header):
    response = client.post(reverse("disclosure:api_query"), data="{}", content_type="application/json",
                           HTTP_AUTHORIZATION=header)
    assert response.status_code in {401, 403}
    body = response.json()
    assert set(body) >= {"code", "detail"}
    assert any("\u4e00" <= ch <= "\u9fff" for ch in body["detail"])


def test_json_nested_5000_deep_is_a_400_in_the_one_format(client, disc):
    client.force_login(disc.employer_staff)
    body = "[" * 5000 + "]" * 5000
    response = client.post(reverse("disclosure:api_query"), data=body, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"
    deep_object = '{"name": ' * 5000 + "1" + "}" * 5000
    response = client.post(reverse("disclosure:api_query"), data=deep_object, content_type="application/json")
    assert response.status_code == 400


def test_invalid_fields_are_named_in_the_one_format(client, disc):
    client.force_login(disc.employer_staff)
    response = client.post(reverse("disclosure:api_query"), data=json.dumps({"purpose": "nope"}),
                           content_type="application/json")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert "purpose" in body["fields"]
    assert "name" in body["fields"]


def test_schema_advertises_the_key_scheme_and_no_token_auth(client, db):
    schema = client.get(reverse("api-schema"), HTTP_ACCEPT="application/json").json()
    schemes = schema["components"]["securitySchemes"]
    assert "institutionApiKey" in schemes
    assert "tokenAuth" not in schemes
