"""The citizen's list of the reports issued about them: theirs only, linked from their
home, the same number of queries for 1 and 50 reports."""

from __future__ import annotations

import pytest
from django.urls import reverse

from disclosure.models import CreditReport
from disclosure.services import queries
from disclosure.services import reports as report_services
from tests.disclosure.conftest import grant
from tests.disclosure.test_query_counts import FIXED


def _reports(disc, n: int) -> list[CreditReport]:
    _auth, code = grant(disc, max_uses=20)
    issued = []
    for i in range(n):
        if i < 3:
            issued.append(queries.query_record(
                by=disc.employer_staff, name=disc.subject.name, id_number=disc.subject.id_number, code=code,
                purpose="recruitment",
            ).report)
        else:
            issued.append(report_services.issue_self_report(disc.subject, by=disc.citizen))
    return issued


@pytest.mark.django_db
def test_home_links_to_the_list_and_the_list_shows_each_report(client, disc):
    issued = _reports(disc, 4)
    client.force_login(disc.citizen)
    home = client.get(reverse("disclosure:my_home")).content.decode()
    assert reverse("disclosure:my_reports") in home
    page = client.get(reverse("disclosure:my_reports")).content.decode()
    for report in issued:
        assert report.number in page
        assert reverse("disclosure:report", args=[report.number]) in page
    assert disc.employer.name in page
    assert "招聘录用" in page
    assert "3 条记录，其中不良 2 条" in page


@pytest.mark.django_db
def test_another_citizen_sees_none_of_them(client, disc):
    issued = _reports(disc, 2)
    client.force_login(disc.other_citizen)
    page = client.get(reverse("disclosure:my_reports")).content.decode()
    for report in issued:
        assert report.number not in page
    assert "目前还没有关于您的信用报告" in page
    assert client.get(reverse("disclosure:report", args=[issued[0].number])).status_code == 404


@pytest.mark.django_db
def test_institution_staff_and_anonymous_cannot_open_the_list(client, disc):
    client.force_login(disc.employer_staff)
    assert client.get(reverse("disclosure:my_reports")).status_code in {302, 403, 404}
    client.logout()
    response = client.get(reverse("disclosure:my_reports"))
    assert response.status_code == 302


# + citizen profile (1), report count (1), rows with institution and authorization joined (1).
@pytest.mark.django_db
@pytest.mark.parametrize("rows", [1, 50])
def test_my_reports_query_count(client, disc, rows, django_assert_num_queries):
    _reports(disc, rows)
    client.force_login(disc.citizen)
    with django_assert_num_queries(FIXED + 3):
        response = client.get(reverse("disclosure:my_reports"))
    assert response.content.decode().count('href="/reports/XY') == rows
