"""The credit office's page for the integrity points scoring rules (list, add, change,
retire): through the service, audited, overlaps and rules without a source refused with
a clear Chinese message and nothing written; only the credit office gets in."""

from __future__ import annotations

import pytest
from django.urls import reverse

from archives.levels import points
from archives.levels.models import PointRule
from credit_portal.models import AuditEntry
from tests.archives.conftest import World

pytestmark = pytest.mark.django_db

SOURCE = "示范市诚信积分管理试点方案第六条"


def _rule(world: World, **data) -> PointRule:
    data = {"kind": "negative_record", "severity": "general", "points": -10, "source": SOURCE, **data}
    return points.add_point_rule(by=world.credit_office, **data)


@pytest.mark.parametrize("user", ["edu_clerk", "edu_reviewer", "health_reviewer", "citizen"])
def test_only_the_credit_office_reaches_the_scoring_rules(client, world: World, user: str) -> None:
    rule = _rule(world)
    client.force_login(getattr(world, user))
    assert client.get(reverse("archives:point_rules")).status_code == 403
    assert client.get(reverse("archives:point_rule_new")).status_code == 403
    assert (
        client.post(
            reverse("archives:point_rule_new"), {"kind": "positive_record", "points": 5, "source": SOURCE}
        ).status_code
        == 403
    )
    assert (
        client.post(reverse("archives:point_rule_edit", args=[rule.pk]), {"points": -20, "source": SOURCE}).status_code
        == 403
    )
    assert client.post(reverse("archives:point_rule_retire", args=[rule.pk])).status_code == 403
    assert list(PointRule.objects.values_list("pk", "points", "is_active")) == [(rule.pk, -10, True)]


@pytest.mark.parametrize("n", [1, 6])
def test_the_list_shows_rules_in_force_and_retired_in_fixed_queries(
    client, world, django_assert_num_queries, n
) -> None:
    facts = [
        ("positive_record", "", "", 5),
        ("negative_record", "minor", "", -2),
        ("negative_record", "general", "", -10),
        ("negative_record", "serious", "", -30),
        ("finding", "", "trustworthy", 2),
        ("finding", "", "warning", -5),
    ][:n]
    for kind, severity, status, value in facts:
        rule = _rule(world, kind=kind, severity=severity, finding_status=status, points=value)
        points.retire_point_rule(rule, by=world.credit_office)
        _rule(world, kind=kind, severity=severity, finding_status=status, points=value * 2)
    client.force_login(world.credit_office)
    # 5 common (session, user, memberships, role groups, session save) + the staff
    # navigation's reviewer and clerk memberships (2), rules in force, retired rules,
    # the pilot row (3), the session save's savepoint and release (2) = 12.
    # (The user's memberships and role groups: one query for every role on the first request
    # after signing in, none later: kept in the session, departments.scope.)
    with django_assert_num_queries(10):
        page = client.get(reverse("archives:point_rules")).content.decode()
    assert page.count("/retire/") == n
    assert page.count("/edit/") == n
    assert SOURCE in page


def test_adding_a_rule_through_the_page_is_audited(client, world: World) -> None:
    client.force_login(world.credit_office)
    response = client.post(
        reverse("archives:point_rule_new"),
        {
            "kind": "negative_record",
            "severity": "serious",
            "points": "-30",
            "source": SOURCE,
        },
    )
    assert response.status_code == 302
    rule = PointRule.objects.get()
    assert (rule.kind, rule.severity, rule.points, rule.source, rule.created_by) == (
        "negative_record",
        "serious",
        -30,
        SOURCE,
        world.credit_office,
    )
    assert AuditEntry.objects.filter(action="levels.point_rule.added", actor=world.credit_office).count() == 1
    assert "计分规则已生效" in client.get(response["Location"]).content.decode()


def test_an_overlapping_rule_is_refused_with_a_clear_message(client, world: World) -> None:
    _rule(world)
    client.force_login(world.credit_office)
    response = client.post(
        reverse("archives:point_rule_new"),
        {
            "kind": "negative_record",
            "severity": "general",
            "points": "-20",
            "source": "另一方案",
        },
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "govuk-error-summary" in page
    assert "已有现行规则对相同情形计分" in page
    assert PointRule.objects.count() == 1
    assert not AuditEntry.objects.filter(action="levels.point_rule.added", detail__points=-20).exists()


@pytest.mark.parametrize("source", ["", "   "])
def test_a_rule_without_source_is_refused_with_a_clear_message(client, world: World, source: str) -> None:
    client.force_login(world.credit_office)
    response = client.post(
        reverse("archives:point_rule_new"), {"kind": "positive_record", "points": "5", "source": source}
    )
    assert response.status_code == 200
    assert "请填写规则的来源" in response.content.decode()
    assert not PointRule.objects.exists()


@pytest.mark.parametrize(
    "data",
    [
        {"kind": "positive_record", "points": "-5", "source": SOURCE},  # a sign against the fact
        {"kind": "negative_record", "points": "-5", "source": SOURCE},  # no severity
        {"kind": "finding", "points": "0", "source": SOURCE},
        {"kind": "nonsense", "points": "x", "source": SOURCE * 40},
        {"kind": ""},
    ],
)
def test_bad_input_answers_form_errors_and_writes_nothing(client, world: World, data) -> None:
    client.force_login(world.credit_office)
    response = client.post(reverse("archives:point_rule_new"), data)
    assert response.status_code == 200
    assert "govuk-error-summary" in response.content.decode()
    assert not PointRule.objects.exists()


def test_changing_a_rule_retires_it_and_puts_the_new_one_in_force(client, world: World) -> None:
    rule = _rule(world)
    client.force_login(world.credit_office)
    form = client.get(reverse("archives:point_rule_edit", args=[rule.pk])).content.decode()
    assert 'value="-10"' in form
    response = client.post(
        reverse("archives:point_rule_edit", args=[rule.pk]), {"points": "-15", "source": SOURCE + "（修订）"}
    )
    assert response.status_code == 302
    rule.refresh_from_db()
    assert not rule.is_active
    new = PointRule.objects.get(is_active=True)
    assert (new.kind, new.severity, new.points, new.source) == ("negative_record", "general", -15, SOURCE + "（修订）")
    entry = AuditEntry.objects.get(action="levels.point_rule.changed")
    assert entry.detail["replaces"] == rule.pk
    # The old version is listed as retired; it cannot be changed any more.
    assert client.get(reverse("archives:point_rule_edit", args=[rule.pk])).status_code == 404


def test_a_change_without_source_or_with_the_wrong_sign_changes_nothing(client, world: World) -> None:
    rule = _rule(world)
    client.force_login(world.credit_office)
    edit = reverse("archives:point_rule_edit", args=[rule.pk])
    assert "请填写规则的来源" in client.post(edit, {"points": "-15", "source": " "}).content.decode()
    assert "govuk-error-summary" in client.post(edit, {"points": "15", "source": SOURCE}).content.decode()
    assert "没有任何修改" in client.post(edit, {"points": "-10", "source": SOURCE}).content.decode()
    assert list(PointRule.objects.values_list("pk", "points", "is_active")) == [(rule.pk, -10, True)]
    assert not AuditEntry.objects.filter(action="levels.point_rule.changed").exists()


def test_retiring_from_the_page_is_audited_and_twice_is_a_message(client, world: World) -> None:
    rule = _rule(world)
    client.force_login(world.credit_office)
    retire = reverse("archives:point_rule_retire", args=[rule.pk])
    assert client.post(retire).status_code == 302
    assert not PointRule.objects.get(pk=rule.pk).is_active
    assert AuditEntry.objects.filter(action="levels.point_rule.retired").count() == 1
    response = client.post(retire, follow=True)
    assert response.status_code == 200
    assert "已停用" in response.content.decode()
    assert AuditEntry.objects.filter(action="levels.point_rule.retired").count() == 1
