"""The credit level rules, scoring rules, stored levels and the points pilot in the admin:
the credit office sees them and adds rules (through the services); nobody edits a rule
in place or deletes one; other staff do not see them."""

from __future__ import annotations

import pytest

from archives.levels import points
from archives.levels.models import LevelRule, PointRule
from credit_portal.roles import Role
from tests import factories as f

pytestmark = pytest.mark.django_db

MODELS = ["levelrule", "pointrule", "archivelevel", "pointspilot"]


@pytest.fixture
def office(client):  # type: ignore[no-untyped-def]
    user = f.make_user("office_admin", is_staff=True, roles=(Role.CREDIT_OFFICE,))
    points.add_point_rule(by=user, kind="positive_record", points=5, source="示范市诚信积分试点方案第六条")
    client.force_login(user)
    return client


@pytest.mark.parametrize("model", MODELS)
def test_the_credit_office_sees_each_list(office, model: str) -> None:
    assert office.get(f"/admin/levels/{model}/").status_code == 200


@pytest.mark.parametrize("model", MODELS)
def test_other_staff_do_not(client, model: str) -> None:
    client.force_login(f.make_user("plain_staff", is_staff=True, roles=(Role.DEPARTMENT_CLERK,)))
    assert client.get(f"/admin/levels/{model}/").status_code == 403


def test_rules_are_added_but_never_edited_in_place_nor_deleted(office) -> None:
    assert office.get("/admin/levels/levelrule/add/").status_code == 200
    assert office.get("/admin/levels/pointrule/add/").status_code == 200
    assert office.get("/admin/levels/archivelevel/add/").status_code == 403
    for model, rule in (("levelrule", LevelRule.objects.first()), ("pointrule", PointRule.objects.first())):
        assert rule is not None  # level rules come with the migrations, the scoring rule from the fixture
        # The change page is read-only: no save button.
        page = office.get(f"/admin/levels/{model}/{rule.pk}/change/")
        assert page.status_code == 200
        assert 'name="_save"' not in page.content.decode()
        assert office.get(f"/admin/levels/{model}/{rule.pk}/delete/").status_code == 403
