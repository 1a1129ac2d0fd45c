"""List pages cost the same number of queries for 1 row and for 50 (STYLE.md)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from credit_portal.prepared import source
from disclosure.api import ReportSerializer
from disclosure.models import CreditReport, QueryLog
from disclosure.services import queries
from tests.disclosure.conftest import grant


def _queries(disc, n):
    auth, code = grant(disc, max_uses=20)
    for i in range(n):
        if i < 10:
            queries.query_record(by=disc.employer_staff, name=disc.subject.name, id_number=disc.subject.id_number, code=code, purpose="recruitment")
        else:
            QueryLog.objects.create(institution=disc.employer, actor=disc.employer_staff, subject=disc.subject, authorization=auth,
                                    purpose="recruitment", outcome="refused", reason="purpose_mismatch")


# Every signed-in page: session and user (2), the menu's role groups (1; the menu reads no
# permissions), the session save of the first request after signing in (3: savepoint,
# update, release; later requests save it at most once a minute) = 6 fixed.
FIXED = 6


# + citizen profile (1), query log count (1) and rows with institution, authorization and
# report joined (1).
@pytest.mark.django_db
@pytest.mark.parametrize("rows", [1, 50])
def test_my_queries(client, disc, rows, django_assert_num_queries):
    _queries(disc, rows)
    client.force_login(disc.citizen)
    with django_assert_num_queries(FIXED + 3):
        response = client.get(reverse("disclosure:my_queries"))
    assert response.status_code == 200


# + citizen profile, authorizations with grantee joined, their occupations, their categories.
@pytest.mark.django_db
@pytest.mark.parametrize("rows", [1, 50])
def test_my_authorizations(client, disc, rows, django_assert_num_queries):
    for _ in range(rows):
        grant(disc)
    client.force_login(disc.citizen)
    with django_assert_num_queries(FIXED + 4):
        response = client.get(reverse("disclosure:my_authorizations"))
    assert response.content.decode().count("/my/authorizations/") >= rows


# + count (1), rows with actor, subject, authorization, report joined (1); the institution
# staff membership and its institution come with the user.
@pytest.mark.django_db
@pytest.mark.parametrize("rows", [1, 50])
def test_institution_home(client, disc, rows, django_assert_num_queries):
    _queries(disc, rows)
    client.force_login(disc.employer_staff)
    with django_assert_num_queries(FIXED + 2):
        response = client.get(reverse("disclosure:institution_home"))
    assert response.status_code == 200


# The institution query API, granted, signed in by session: session and user with the
# acting institution (2; asked for the permission and the query, read with the user), the code's
# authorization locked with its person (1), its occupations and categories with the
# purpose's rules (1; on PostgreSQL read with the locked authorization: 0), spending the use and ending a spent authorization (1 UPDATE), the
# report's records with their statements, archives with their levels, findings (3; on
# PostgreSQL the findings come with the archives as arrays: 2), the report saved unless
# its number is taken (no savepoint), the query log and its audit entry appended without
# the chain head (on PostgreSQL the three in one statement, the log's id taken ahead: 1;
# else 3), the transaction (2), the session stamp of the first request (3).
@pytest.mark.django_db
def test_query_api_queries(client, disc, django_assert_num_queries, monkeypatch):
    from django.db import connection

    from credit_portal import bulkload

    _auth, code = grant(disc, max_uses=5)
    client.force_login(disc.employer_staff)
    body = {"name": disc.subject.name, "id_number": disc.subject.id_number, "code": code, "purpose": "recruitment"}
    postgresql = connection.vendor == "postgresql"
    if postgresql:
        # Log ids in hand, as on all but one of every 64 queries of a process.
        monkeypatch.setattr(bulkload, "_ahead", {})
        bulkload.next_id(QueryLog._meta.db_table)
    with django_assert_num_queries(12 if postgresql else 16) as captured:
        response = client.post(reverse("disclosure:api_query"), body, content_type="application/json")
    assert response.status_code == 201
    sql = [source(q["sql"]) for q in captured.captured_queries]
    # The staff membership is read with the user, not on its own.
    assert not any(q.startswith('SELECT "disclosure_institutionstaff"') for q in sql)
    # The signed findings: a statement of their own only on SQLite.
    assert sum(q.lstrip("(").startswith('SELECT "archives_annualfinding"') for q in sql) == (0 if postgresql else 1)
    assert not any("auditchainhead" in q for q in sql)  # no lock on the chain head
    # The scope: read by the statement that locks the authorization on PostgreSQL.
    locking = [q for q in sql if q.startswith("SELECT") and '"disclosure_authorization"."code_hash" =' in q]
    assert len(locking) == 1
    assert locking[0].endswith('FOR UPDATE OF "disclosure_authorization"') == postgresql  # SQLite locks the file
    assert ("disclosure_authorization_occupations" in locking[0]) == postgresql
    assert ("disclosure_mandatorycontent" in locking[0]) == postgresql
    assert sum("disclosure_authorization_categories" in q for q in sql) == 1
    assert sum(q.startswith("UPDATE") and "disclosure_authorization" in q for q in sql) == 1
    assert sum("ON CONFLICT DO NOTHING" in q for q in sql) == 1
    together = [q for q in sql if q.startswith('WITH w0 AS (INSERT INTO "disclosure_creditreport"')]
    assert len(together) == (1 if postgresql else 0)
    # The log and its entry are written only with the report (not when its number is taken).
    assert all('INSERT INTO "disclosure_querylog"' in q and 'INSERT INTO "credit_portal_auditentry"' in q
               and q.count("WHERE EXISTS (SELECT 1 FROM w0)") == 2 for q in together)
    # The answer is the report serializer's, built without it.
    assert response.json() == ReportSerializer(CreditReport.objects.get(number=response.json()["number"])).data
