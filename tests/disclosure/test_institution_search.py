"""The citizen finds the institution to authorize by a server-side search (name or unified
social credit code), not in a list of every institution; the choice survives a search."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from disclosure.models import Institution
from disclosure.selectors import INSTITUTION_MATCHES_SHOWN
from tests.disclosure.conftest import credit_code
from tests.disclosure.test_views_flows import login

pytestmark = pytest.mark.django_db

URL = "disclosure:authorization_new"


def _grantee_values(html: str) -> set[str]:
    inputs = re.findall(r'<input[^>]*name="grantee"[^>]*>', html)
    return {re.search(r'value="([^"]*)"', tag).group(1) for tag in inputs}


def test_without_a_search_no_institution_is_listed_only_anyone(client, disc) -> None:
    login(client, disc.citizen)
    html = client.get(reverse(URL)).content.decode()
    assert 'id="id_q"' in html
    assert _grantee_values(html) == {"anyone"}
    assert disc.employer.name not in html


@pytest.mark.parametrize("typed", ["科技", "示范科技有限公司"])
def test_search_by_part_of_the_name(client, disc, typed) -> None:
    login(client, disc.citizen)
    html = client.get(reverse(URL), {"q": typed}).content.decode()
    assert str(disc.employer.pk) in _grantee_values(html)
    assert str(disc.bank.pk) not in _grantee_values(html)
    assert "1个机构" in html


def test_search_by_credit_code_in_lower_case_or_full_width(client, disc) -> None:
    login(client, disc.citizen)
    code = disc.bank.credit_code
    full_width = "".join(chr(ord(ch) + 0xFEE0) for ch in code.lower())
    for typed in (code.lower(), full_width, f" {code[:6]} {code[6:]} "):
        html = client.get(reverse(URL), {"q": typed}).content.decode()
        assert _grantee_values(html) == {str(disc.bank.pk), "anyone"}, typed


def test_inactive_institutions_are_not_offered_nor_accepted(client, disc) -> None:
    Institution.objects.filter(pk=disc.bank.pk).update(is_active=False)
    login(client, disc.citizen)
    html = client.get(reverse(URL), {"q": "示范银行"}).content.decode()
    assert str(disc.bank.pk) not in _grantee_values(html)
    assert "没有与“示范银行”相符的机构" in html
    response = client.post(reverse(URL), {"grantee": str(disc.bank.pk), "purpose": "recruitment", "days": "30", "max_uses": "1"})
    assert response.status_code == 200
    assert "govuk-error-summary" in response.content.decode()


def test_a_chosen_institution_is_accepted_and_kept_whatever_the_search_shows(client, disc) -> None:
    login(client, disc.citizen)
    # Posted from a page that searched for something else: still a valid choice.
    response = client.post(reverse(URL) + "?q=银行", {
        "grantee": str(disc.employer.pk), "purpose": "recruitment", "occupations": [disc.world.teacher.pk],
        "days": "30", "max_uses": "1",
    })
    assert response.status_code == 302
    # Back from check-your-answers: the draft's institution is offered, checked.
    html = client.get(reverse(URL), {"q": "银行"}).content.decode()
    assert {str(disc.employer.pk), str(disc.bank.pk)} <= _grantee_values(html)


def test_many_matches_show_the_first_few_and_ask_to_narrow(client, disc) -> None:
    for seq in range(100, 100 + INSTITUTION_MATCHES_SHOWN + 5):
        Institution.objects.create(name=f"示范物业服务有限公司第{seq}分公司", credit_code=credit_code(seq))
    login(client, disc.citizen)
    html = client.get(reverse(URL), {"q": "物业"}).content.decode()
    assert len(_grantee_values(html)) == INSTITUTION_MATCHES_SHOWN + 1  # and "anyone"
    assert "请输入更完整的名称以缩小范围" in html


def test_search_costs_the_same_queries_for_one_match_or_many(client, disc) -> None:
    login(client, disc.citizen)
    client.get(reverse(URL))  # the first request after signing in saves the session

    def queries_for_search() -> int:
        with CaptureQueriesContext(connection) as captured:
            html = client.get(reverse(URL), {"q": "餐饮"}).content.decode()
        assert "餐饮" in html
        return len(captured)

    Institution.objects.create(name="示范餐饮管理有限公司", credit_code=credit_code(200))
    one = queries_for_search()
    for seq in range(201, 230):
        Institution.objects.create(name=f"示范餐饮管理有限公司{seq}", credit_code=credit_code(seq))
    # Session and user, citizen profile, occupations and categories of the form, the
    # institutions matching (one query, limited): the same for 1 match and for 30.
    assert queries_for_search() == one
