"""The disclosure list pages that had no query-count test cost the same number of
queries for 1 row and for 50 (STYLE.md); the queries are named in the comments."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from archives.models import AnnualFinding, Notice
from disclosure.models import InstitutionAPIKey, QueryLog
from disclosure.services import institutions
from tests.disclosure.conftest import grant

pytestmark = pytest.mark.django_db

# Every signed-in page: session and user (2), the menu's role groups (1), the session
# save of the first request after signing in (3: savepoint, update, release) = 6.
FIXED = 6


@pytest.mark.parametrize("rows", [1, 50])
def test_my_findings(client, disc, rows, django_assert_num_queries):
    AnnualFinding.objects.bulk_create([
        AnnualFinding(archive=disc.world.archive, year=1970 + i, basis="守信", state=AnnualFinding.State.SIGNED,
                      created_by=disc.world.edu_reviewer, signed_by=disc.world.edu_reviewer, signed_at=timezone.now())
        for i in range(rows)
    ])
    client.force_login(disc.citizen)
    # + citizen profile (1), findings with archive, occupation and department joined (1),
    # the audited read (1 insert: reads are chained later, without a lock).
    with django_assert_num_queries(FIXED + 3):
        response = client.get(reverse("disclosure:my_findings"))
    assert response.content.decode().count("govuk-table__row") >= rows


@pytest.mark.parametrize("rows", [1, 50])
def test_my_notices(client, disc, rows, django_assert_num_queries):
    Notice.objects.all().delete()
    Notice.objects.bulk_create([
        Notice(subject=disc.subject, kind=Notice.Kind.choices[0][0], title=f"通知{i}", body="正文", record=disc.negative)
        for i in range(rows)
    ])
    client.force_login(disc.citizen)
    # + citizen profile (1), notices with their record joined (1).
    with django_assert_num_queries(FIXED + 2):
        response = client.get(reverse("disclosure:my_notices"))
    assert response.content.decode().count("通知") >= rows


@pytest.mark.parametrize("rows", [1, 50])
def test_authorization_detail_lists_its_queries(client, disc, rows, django_assert_num_queries):
    authorization, _code = grant(disc)
    QueryLog.objects.bulk_create([
        QueryLog(institution=disc.employer, actor=disc.employer_staff, subject=disc.subject,
                 authorization=authorization, purpose="recruitment", outcome="refused", reason="purpose_mismatch")
        for _ in range(rows)
    ])
    client.force_login(disc.citizen)
    # + citizen profile (1), the authorization with its grantee (1), its occupations and
    # categories (2), its queries with the institution joined (1), the purpose's mandatory
    # content in force (1).
    with django_assert_num_queries(FIXED + 6):
        response = client.get(reverse("disclosure:authorization_detail", args=[authorization.pk]))
    assert response.status_code == 200


@pytest.mark.parametrize("rows", [1, 50])
def test_api_keys(client, disc, rows, django_assert_num_queries):
    staff = disc.employer_staff.institution_staff
    for i in range(rows):
        institutions.issue_api_key(staff, name=f"系统{i}", by=disc.world.credit_office)
    assert InstitutionAPIKey.objects.count() == rows
    client.force_login(disc.world.credit_office)
    # + the keys with institution, account and issuer joined (1), the form's choice of
    # accounts with institution and user joined (1).
    with django_assert_num_queries(FIXED + 2):
        response = client.get(reverse("disclosure:api_keys"))
    assert response.content.decode().count("/revoke/") == rows
