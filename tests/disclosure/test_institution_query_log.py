"""The querying institution's own log: who was queried (masked), for what, when, and how
it ended (granted, refused with the reason, blocked); nobody else's queries."""

from __future__ import annotations

import pytest
from django.urls import reverse

from credit_portal.masking import mask_name
from disclosure.models import QueryLog
from disclosure.services import queries
from tests.disclosure.conftest import grant
from tests.disclosure.test_views_flows import login

pytestmark = pytest.mark.django_db


def _log(disc) -> None:
    _auth, code = grant(disc)
    queries.query_record(
        by=disc.employer_staff, name=disc.subject.name, id_number=disc.subject.id_number, code=code,
        purpose="recruitment",
    )
    QueryLog.objects.create(institution=disc.employer, actor=disc.employer_staff, subject=disc.subject,
                            purpose="licensing", outcome="refused", reason="purpose_mismatch")
    QueryLog.objects.create(institution=disc.employer, actor=disc.employer_staff, subject=None,
                            purpose="recruitment", outcome="refused", reason="not_matched")
    QueryLog.objects.create(institution=disc.employer, actor=disc.employer_staff, subject=disc.subject,
                            purpose="recruitment", outcome="refused", reason="rate_limited")


def test_the_log_shows_the_person_masked_the_purpose_and_each_outcome(client, disc) -> None:
    _log(disc)
    login(client, disc.employer_staff)
    html = client.get(reverse("disclosure:institution_home")).content.decode()
    assert mask_name(disc.subject.name) in html
    assert disc.subject.id_number_masked in html
    assert disc.subject.id_number not in html
    assert f">{disc.subject.name}<" not in html
    assert "已准许" in html
    assert "已拒绝" in html
    assert "查询用途与授权用途不符" in html
    assert "未匹配到人员" in html
    assert "已拦截" in html
    assert "查询次数过多" in html


def test_another_institutions_staff_never_see_these_queries(client, disc) -> None:
    _log(disc)
    login(client, disc.bank_staff)
    html = client.get(reverse("disclosure:institution_home")).content.decode()
    assert disc.subject.id_number_masked not in html
    assert mask_name(disc.subject.name) not in html
    assert "暂无查询。" in html
    # A citizen and department staff without an institution are refused the page outright.
    login(client, disc.citizen)
    assert client.get(reverse("disclosure:institution_home")).status_code == 403
    login(client, disc.world.edu_clerk)
    assert client.get(reverse("disclosure:institution_home")).status_code == 403
