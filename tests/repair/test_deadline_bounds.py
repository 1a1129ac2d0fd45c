"""Deadline rules stay within what the law and the national rules allow
(``repair.DeadlineRule.BOUNDS``): shorter may be set, longer never, and never zero.

《征信业管理条例》 art. 25: "受理异议的机构应当在收到异议之日起20日内进行核查和处理" – the
answer's 20 calendar days from the filing are a legal maximum; the repair decision's
10 working days from acceptance are the national rules' (NDRC 《信用修复管理办法》, the
default's recorded source). No law sets a maximum for accepting or refusing a case.
"""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import translation

from credit_portal.models import AuditEntry
from credit_portal.roles import Role
from repair.models import DeadlineRule
from tests import factories as f

pytestmark = pytest.mark.django_db

CONCLUDE = DeadlineRule.Key.OBJECTION_CONCLUDE
DECIDE = DeadlineRule.Key.REPAIR_DECIDE
OBJECTION_ACCEPT = DeadlineRule.Key.OBJECTION_ACCEPT
REPAIR_ACCEPT = DeadlineRule.Key.REPAIR_ACCEPT


def _rule(key: str, **changes: object) -> DeadlineRule:
    rule = DeadlineRule.objects.get(key=key)
    for name, value in changes.items():
        setattr(rule, name, value)
    return rule


def _errors(rule: DeadlineRule) -> dict[str, list[str]]:
    try:
        rule.full_clean()
    except ValidationError as error:
        return error.message_dict
    return {}


# --- the model -------------------------------------------------------------------------

@pytest.mark.parametrize(("key", "changes", "field"), [
    (CONCLUDE, {"days": 21}, "days"),
    (CONCLUDE, {"days": 365}, "days"),
    (CONCLUDE, {"unit": "working"}, "unit"),  # 20 working days end weeks after 20 calendar days
    (CONCLUDE, {"unit": "working", "days": 10}, "unit"),  # over the Spring Festival too
    (CONCLUDE, {"starts_from": "accepted"}, "starts_from"),  # art. 25: 自收到异议之日起
    (DECIDE, {"days": 11}, "days"),
    (DECIDE, {"days": 0}, "days"),
    (DECIDE, {"days": -3}, "days"),
    (OBJECTION_ACCEPT, {"days": 0}, "days"),
    (OBJECTION_ACCEPT, {"starts_from": "accepted"}, "starts_from"),
    (REPAIR_ACCEPT, {"starts_from": "accepted"}, "starts_from"),
])
def test_a_rule_beyond_its_bounds_is_refused(key: str, changes: dict, field: str) -> None:
    assert field in _errors(_rule(key, **changes))


@pytest.mark.parametrize(("key", "changes"), [
    (CONCLUDE, {}),  # the defaults themselves
    (DECIDE, {}),
    (OBJECTION_ACCEPT, {}),
    (REPAIR_ACCEPT, {}),
    (CONCLUDE, {"days": 15}),
    (CONCLUDE, {"days": 1}),
    (DECIDE, {"days": 5}),
    (DECIDE, {"unit": "calendar"}),  # 10 calendar days end no later than 10 working days
    (DECIDE, {"starts_from": "filed"}),  # the filing comes before the acceptance
    # No law sets a maximum for acceptance: the portal invents none.
    (OBJECTION_ACCEPT, {"days": 30}),
    (REPAIR_ACCEPT, {"days": 30, "unit": "calendar"}),
])
def test_a_rule_within_its_bounds_is_accepted(key: str, changes: dict) -> None:
    assert _errors(_rule(key, **changes)) == {}


def test_the_refusal_names_the_law_and_its_maximum() -> None:
    with translation.override("en"):
        [message] = _errors(_rule(CONCLUDE, days=30))["days"]
        assert "art. 25" in message
        assert "at most 20 calendar days" in message
        [message] = _errors(_rule(DECIDE, days=15))["days"]
        assert "at most 10 working days" in message
    with translation.override("zh-hans"):
        [message] = _errors(_rule(CONCLUDE, days=30))["days"]
        assert "《征信业管理条例》第二十五条" in message
        assert "最长为20个日历日" in message
        [message] = _errors(_rule(CONCLUDE, unit="working"))["unit"]
        assert "按日历日计算" in message
        [message] = _errors(_rule(OBJECTION_ACCEPT, days=0))["days"]
        assert message == "期限至少为一天。"


# --- the admin, as the credit office edits it ---------------------------------------------

@pytest.fixture
def office() -> Client:
    """A credit office member with the admin (the role may view and change deadline
    rules, credit_portal.roles), reading it in the default language, Chinese."""
    client = Client()
    client.force_login(f.make_user("deadline-office", roles=(Role.CREDIT_OFFICE,), is_staff=True))
    return client


def _form(rule: DeadlineRule, **changes: object) -> dict[str, object]:
    return {"key": rule.key, "days": rule.days, "unit": rule.unit, "starts_from": rule.starts_from,
            "source": rule.source, **changes}


def _values(key: str) -> tuple[int, str, str, str]:
    rule = DeadlineRule.objects.get(key=key)
    return rule.days, rule.unit, rule.starts_from, rule.source


@pytest.mark.parametrize(("key", "changes", "words"), [
    (CONCLUDE, {"days": 21}, "最长为20个日历日：该期限可以缩短，不得延长。"),
    (CONCLUDE, {"unit": "working"}, "按日历日计算该期限：按工作日计算将晚于规定的期限。"),
    (CONCLUDE, {"starts_from": "accepted"}, "自案件提交之日起计算该期限：自受理之日起计算将晚于规定的期限。"),
    (DECIDE, {"days": 11}, "国家发展改革委《信用修复管理办法》（2026年）规定最长为10个工作日"),
    (DECIDE, {"days": 0}, "期限至少为一天。"),
    (DECIDE, {"days": -1}, "期限至少为一天。"),
    (OBJECTION_ACCEPT, {"starts_from": "accepted"}, "受理期限只能自案件提交之日起计算，不能自受理之日起计算。"),
])
def test_an_admin_edit_beyond_the_bounds_is_refused_in_words_and_changes_nothing(
    office: Client, key: str, changes: dict, words: str,
) -> None:
    rule = DeadlineRule.objects.get(key=key)
    before = _values(key)
    response = office.post(reverse("admin:repair_deadlinerule_change", args=[rule.pk]), _form(rule, **changes))
    assert response.status_code == 200
    page = response.content.decode()
    assert words in page
    assert 'class="errorlist' in page
    assert _values(key) == before
    assert not AuditEntry.objects.filter(action="repair.deadlinerule.changed").exists()


def test_the_admin_refusal_quotes_article_25(office: Client) -> None:
    rule = DeadlineRule.objects.get(key=CONCLUDE)
    page = office.post(reverse("admin:repair_deadlinerule_change", args=[rule.pk]),
                       _form(rule, days=25)).content.decode()
    # The law's words, in the page as the person reads them.
    assert "《征信业管理条例》第二十五条（“自收到异议之日起20日内”）规定最长为20个日历日" in page


@pytest.mark.parametrize(("key", "changes"), [
    (CONCLUDE, {"days": 15}),
    (DECIDE, {"days": 7, "unit": "calendar"}),
    (OBJECTION_ACCEPT, {"days": 30}),  # no legal maximum to exceed
])
def test_an_admin_edit_within_the_bounds_is_saved_and_audited(office: Client, key: str, changes: dict) -> None:
    rule = DeadlineRule.objects.get(key=key)
    response = office.post(reverse("admin:repair_deadlinerule_change", args=[rule.pk]), _form(rule, **changes))
    assert response.status_code == 302
    rule.refresh_from_db()
    assert {name: getattr(rule, name) for name in changes} == changes
    entry = AuditEntry.objects.filter(action="repair.deadlinerule.changed").latest("pk")
    assert set(entry.detail["values"]) == set(changes)
