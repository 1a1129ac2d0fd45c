"""The access matrix over every disclosure page and API endpoint (DESIGN §6):
subject, another citizen, institution staff, department staff (with and without a
querying institution), credit office, anonymous."""

from __future__ import annotations

import pytest
from django.urls import reverse

from disclosure.services import queries
from tests.disclosure.conftest import grant

ANON = "anonymous"


def users(disc):
    w = disc.world
    return {
        "subject": disc.citizen,
        "other_citizen": disc.other_citizen,
        "institution": disc.employer_staff,
        "other_institution": disc.bank_staff,
        "dept_staff": w.edu_clerk,
        "dept_with_institution": w.health_clerk,
        "credit_office": w.credit_office,
        ANON: None,
    }


def status_for(client, user, url, method="get"):
    client.logout()
    if user is not None:
        client.force_login(user)
    response = getattr(client, method)(url)
    return response.status_code


CITIZEN_PAGES = [
    "disclosure:my_home", "disclosure:my_findings", "disclosure:my_notices", "disclosure:my_queries",
    "disclosure:my_authorizations", "disclosure:authorization_new",
]


@pytest.mark.django_db
@pytest.mark.parametrize("name", CITIZEN_PAGES)
def test_citizen_pages(client, disc, name):
    url = reverse(name)
    expected = {
        "subject": 200, "other_citizen": 200, "institution": 403, "other_institution": 403, "dept_staff": 403,
        "dept_with_institution": 403, "credit_office": 403, ANON: 302,
    }
    got = {who: status_for(client, user, url) for who, user in users(disc).items()}
    assert got == expected


@pytest.mark.django_db
def test_own_objects_only(client, disc):
    auth, _code = grant(disc)
    pages = [
        reverse("disclosure:my_archive", args=[disc.world.archive.pk]),
        reverse("disclosure:authorization_detail", args=[auth.pk]),
        reverse("disclosure:authorization_receipt", args=[auth.pk]),
        reverse("disclosure:authorization_receipt_json", args=[auth.pk]),
        reverse("disclosure:authorization_revoke", args=[auth.pk]),
        reverse("disclosure:authorization_granted", args=[auth.pk]),
    ]
    expected = {
        "subject": 200, "other_citizen": 404, "institution": 403, "other_institution": 403, "dept_staff": 403,
        "dept_with_institution": 403, "credit_office": 403, ANON: 302,
    }
    for url in pages:
        got = {who: status_for(client, user, url) for who, user in users(disc).items()}
        assert got == expected, url


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["disclosure:institution_home", "disclosure:institution_query", "disclosure:institution_request"])
def test_institution_pages(client, disc, name):
    url = reverse(name)
    expected = {
        "subject": 403, "other_citizen": 403, "institution": 200, "other_institution": 200, "dept_staff": 403,
        "dept_with_institution": 200, "credit_office": 403, ANON: 302,
    }
    assert {who: status_for(client, user, url) for who, user in users(disc).items()} == expected


@pytest.mark.django_db
def test_report_pages(client, disc):
    _auth, code = grant(disc)
    report = queries.query_record(
        by=disc.employer_staff, name=disc.subject.name, id_number=disc.subject.id_number, code=code,
        purpose="recruitment",
    ).report
    expected = {
        "subject": 200, "other_citizen": 404, "institution": 200, "other_institution": 404, "dept_staff": 404,
        "dept_with_institution": 404, "credit_office": 404, ANON: 302,
    }
    for name in ("disclosure:report", "disclosure:report_pdf", "disclosure:api_report"):
        url = reverse(name, args=[report.number])
        got = {who: status_for(client, user, url) for who, user in users(disc).items()}
        if name == "disclosure:api_report":
            # Not signed in and no API key: 401 with "WWW-Authenticate: Api-Key".
            expected_api = dict(expected, **{ANON: 401})
            assert got == expected_api, name
        else:
            assert got == expected, name


@pytest.mark.django_db
def test_report_read_by_its_compiled_statement_is_the_orms_and_odd_numbers_are_404(client, disc):
    """``selectors.report_by_number`` runs SQL compiled once per process: the same report
    the ORM reads, None for any other number, and the pages answer 404 (never 500) for a
    number PostgreSQL's text cannot hold."""
    from disclosure import selectors
    from disclosure.models import CreditReport

    _auth, code = grant(disc)
    report = queries.query_record(
        by=disc.employer_staff, name=disc.subject.name, id_number=disc.subject.id_number, code=code,
        purpose="recruitment",
    ).report
    read = selectors.report_by_number(report.number)
    orm = CreditReport.objects.get(number=report.number)
    assert {k: v for k, v in vars(read).items() if k != "_state"} == {k: v for k, v in vars(orm).items() if k != "_state"}
    assert selectors.report_by_number(report.number + "0") is None
    assert selectors.report_by_number(report.number.lower()) is None
    client.force_login(disc.employer_staff)
    for number in (report.number[:-1], report.number + "\x00", "%' OR '1'='1"):
        assert client.get(reverse("disclosure:report", args=[number])).status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["disclosure:verify_report", "disclosure:dishonesty_list", "disclosure:honour_list", "disclosure:register"])
def test_public_pages_need_no_login(client, disc, name):
    url = reverse(name)
    for who, user in users(disc).items():
        status = status_for(client, user, url)
        if name == "disclosure:register" and user is not None:
            assert status == 302, who  # signed-in users are sent on
        else:
            assert status == 200, who


@pytest.mark.django_db
def test_api_query_refuses_non_institutions(client, disc):
    _auth, code = grant(disc)
    body = {"name": disc.subject.name, "id_number": disc.subject.id_number, "code": code, "purpose": "recruitment"}
    url = reverse("disclosure:api_query")
    for who, user in users(disc).items():
        client.logout()
        if user is not None:
            client.force_login(user)
        response = client.post(url, body, content_type="application/json")
        if who in {"institution"}:
            assert response.status_code == 201, who
        elif who == ANON:
            assert response.status_code == 401, who
            assert response["WWW-Authenticate"] == "Api-Key"
        else:
            assert response.status_code == 403, who


@pytest.mark.django_db
def test_every_report_says_what_it_never_shows(client, disc):
    """"Effective" explained on every report, whatever it holds, so the line says nothing
    about the person: never repaired, withdrawn or expired records, nor those of conduct
    before 18 (003 item 10)."""
    _auth, code = grant(disc)
    report = queries.query_record(
        by=disc.employer_staff, name=disc.subject.name, id_number=disc.subject.id_number, code=code,
        purpose="recruitment",
    ).report
    client.force_login(disc.employer_staff)
    page = client.get(reverse("disclosure:report", args=[report.number])).content.decode()
    line = page[page.index('id="report-shows"'):]
    assert "行为发生时未满18周岁的记录" in line[: line.index("</p>")]
