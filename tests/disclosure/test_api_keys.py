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
from disclosure.models import CreditReport, InstitutionAPIKey, Purpose, QueryLog
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


def _key_of(disc, **kwargs):
    _api_key, key = institutions.issue_api_key(
        disc.employer_staff.institution_staff, name="人事系统", by=disc.world.credit_office, **kwargs
    )
    return key


def _ends(disc, how):
    """What ends a key's right to act, done behind its back."""
    from datetime import timedelta

    from django.utils import timezone

    staff = disc.employer_staff.institution_staff
    if how == "expired":
        InstitutionAPIKey.objects.update(expiry_date=timezone.now() - timedelta(seconds=1))
    elif how == "account deactivated":
        type(disc.employer_staff).objects.filter(pk=disc.employer_staff.pk).update(is_active=False)
    elif how == "institution deactivated":
        type(disc.employer).objects.filter(pk=disc.employer.pk).update(is_active=False)
    elif how == "account moved to another institution":
        type(staff).objects.filter(pk=staff.pk).update(institution=disc.bank)
    elif how == "revoked":
        institutions.revoke_api_key(InstitutionAPIKey.objects.get(), by=disc.world.credit_office)
    elif how == "wrong secret":
        return
    else:
        raise AssertionError(how)


@pytest.mark.parametrize(
    "how",
    ["expired", "account deactivated", "institution deactivated", "account moved to another institution", "revoked",
     "wrong secret"],
)
def test_a_key_that_may_no_longer_act_is_refused_and_nothing_is_queried(client, disc, how):
    key = _key_of(disc)
    _authorization, code = grant(disc)
    _ends(disc, how)
    if how == "wrong secret":
        prefix, _dot, secret = key.partition(".")
        key = f"{prefix}.{secret[::-1]}"
    response = _query(client, disc, code, key)
    assert response.status_code == 401, (how, response.content)
    assert response.json()["code"] == "authentication_failed"
    assert not QueryLog.objects.exists()
    assert not CreditReport.objects.exists()


def test_a_key_in_force_is_read_with_its_account_in_one_statement(client, disc):
    """The key, its institution, its account and whom the account acts for: one
    statement, and no session and no user read of their own."""
    from django.test.utils import CaptureQueriesContext

    from credit_portal.prepared import source

    key = _key_of(disc)
    _authorization, code = grant(disc, max_uses=5)
    assert _query(client, disc, code, key).status_code == 201  # the first use writes "last used"
    with CaptureQueriesContext(connection) as captured:
        assert _query(client, disc, code, key).status_code == 201
    sql = [source(q["sql"]) for q in captured.captured_queries]
    reads = [q for q in sql if q.startswith("SELECT") and '"disclosure_institutionapikey"' in q]
    assert len(reads) == 1
    assert all(table in reads[0] for table in ('"disclosure_institution"', '"credit_portal_user"',
                                               '"disclosure_institutionstaff"'))
    assert not any(q.startswith('SELECT "credit_portal_user"') for q in sql)
    assert not any(q.startswith("UPDATE") and "disclosure_institutionapikey" in q for q in sql)
    assert not any("django_session" in q for q in sql)


def test_last_used_is_written_at_most_once_a_minute(client, disc):
    from datetime import timedelta

    from django.utils import timezone

    from disclosure.api_keys import LAST_USED_PRECISION

    key = _key_of(disc)
    _authorization, code = grant(disc, max_uses=5)
    assert InstitutionAPIKey.objects.get().last_used_at is None
    before = timezone.now()
    assert _query(client, disc, code, key).status_code == 201
    first = InstitutionAPIKey.objects.get().last_used_at
    assert first is not None
    assert first >= before
    # Within the minute the list shows it to: not written again.
    almost = timezone.now() - LAST_USED_PRECISION + timedelta(seconds=5)
    InstitutionAPIKey.objects.update(last_used_at=almost)
    assert _query(client, disc, code, key).status_code == 201
    assert InstitutionAPIKey.objects.get().last_used_at == almost
    # A minute later: written.
    stale = timezone.now() - LAST_USED_PRECISION - timedelta(seconds=1)
    InstitutionAPIKey.objects.update(last_used_at=stale)
    assert _query(client, disc, code, key).status_code == 201
    assert InstitutionAPIKey.objects.get().last_used_at > stale + LAST_USED_PRECISION


def test_an_unknown_report_is_a_404_in_chinese(client, disc):
    key, _page = _issue_through_pages(client, disc)
    client.logout()
    response = client.get(reverse("disclosure:api_report", args=["XY20260101000000000000"]),
                          HTTP_AUTHORIZATION=f"Api-Key {key}")
    assert response.status_code == 404
    assert response.json()["detail"] == "没有这份报告。"
