"""Integrity points pilot (诚信积分, 002 §二(四)3): off by default, switched on by the
credit office (audited); scoring rules with a source and no overlaps; points explained
line by line to the person; a third party sees them only when the person included them
in the authorization."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from archives.levels import points
from archives.levels.models import PointRule
from credit_portal.models import AuditEntry
from disclosure.models import Purpose
from disclosure.services import queries
from tests.disclosure.conftest import grant
from tests.disclosure.test_views_flows import login

pytestmark = pytest.mark.django_db


def _pilot_with_rules(disc) -> None:
    points.set_points_pilot(enabled=True, by=disc.world.credit_office)
    office = disc.world.credit_office
    points.add_point_rule(by=office, kind="positive_record", points=5, source="示范市诚信积分试点方案第六条")
    points.add_point_rule(by=office, kind="negative_record", severity="general", points=-10,
                          source="示范市诚信积分试点方案第七条")


def test_the_pilot_is_off_by_default_and_only_the_credit_office_switches_it(world) -> None:
    assert not points.is_pilot_on()
    with pytest.raises(PermissionDenied):
        points.set_points_pilot(enabled=True, by=world.edu_reviewer)
    assert not points.is_pilot_on()
    points.set_points_pilot(enabled=True, by=world.credit_office)
    assert points.is_pilot_on()
    assert AuditEntry.objects.filter(action="levels.points_pilot.switched").count() == 1


def test_rules_need_a_source_a_fitting_sign_and_must_not_overlap(world) -> None:
    office = world.credit_office
    with pytest.raises(ValidationError) as exc:
        points.add_point_rule(by=office, kind="positive_record", points=5, source=" ")
    assert "source" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        points.add_point_rule(by=office, kind="negative_record", severity="serious", points=20, source="试点方案")
    assert "points" in exc.value.message_dict
    points.add_point_rule(by=office, kind="negative_record", severity="serious", points=-30, source="试点方案")
    with pytest.raises(ValidationError) as exc:
        points.add_point_rule(by=office, kind="negative_record", severity="serious", points=-20, source="另一方案")
    assert "kind" in exc.value.message_dict
    assert PointRule.objects.count() == 1
    # Retired (audited), the fact may be scored anew.
    points.retire_point_rule(PointRule.objects.get(), by=office)
    assert AuditEntry.objects.filter(action="levels.point_rule.retired").count() == 1
    points.add_point_rule(by=office, kind="negative_record", severity="serious", points=-20, source="另一方案")
    with pytest.raises(PermissionDenied):
        points.add_point_rule(by=world.edu_reviewer, kind="positive_record", points=5, source="试点方案")


def test_the_person_sees_points_line_by_line_only_while_the_pilot_is_on(
    client, disc, django_capture_on_commit_callbacks
) -> None:
    login(client, disc.citizen)
    url = reverse("disclosure:my_archive", args=[disc.world.archive.pk])
    assert 'id="points-total"' not in client.get(url).content.decode()
    # The page caches its points (credit_portal.fragments): the pilot's services advance
    # the ``points`` generation once they commit, so the next page shows the change.
    with django_capture_on_commit_callbacks(execute=True):
        _pilot_with_rules(disc)
    page = client.get(url).content.decode()
    # 100 base + 5 (优秀教师) − 10 (违规有偿补课, general)
    assert '<strong id="points-total">95' in page
    lines = page.split('class="govuk-table app-points-lines"')[1].split("</table>")[0]
    assert "优秀教师" in lines
    assert "违规有偿补课" in lines
    assert "示范市诚信积分试点方案第七条" in lines


def _query(disc, *, include_points: bool):
    from disclosure.services import authorizations as auth_services

    terms = auth_services.check_terms(disc.subject, grantee=disc.employer, purpose=Purpose.RECRUITMENT, days=30,
                                      max_uses=1, include_points=include_points)
    _auth, code = auth_services.grant_authorization(disc.subject, by=disc.citizen, terms=terms)
    return queries.query_record(by=disc.employer_staff, name=disc.subject.name, id_number=disc.subject.id_number,
                                code=code, purpose=Purpose.RECRUITMENT).report


def test_an_institution_without_the_persons_say_so_never_sees_points(disc) -> None:
    _pilot_with_rules(disc)
    report = _query(disc, include_points=False)
    assert all("points" not in archive for archive in report.content["archives"])


def test_an_institution_the_person_included_points_for_sees_them(disc) -> None:
    _pilot_with_rules(disc)
    report = _query(disc, include_points=True)
    teacher = next(a for a in report.content["archives"] if a["occupation_code"] == "teacher")
    assert teacher["points"]["total"] == 95
    assert [line["points"] for line in teacher["points"]["lines"]][0] == 100


def test_the_authorization_form_offers_points_only_while_the_pilot_is_on(client, disc) -> None:
    login(client, disc.citizen)
    assert 'name="include_points"' not in client.get(reverse("disclosure:authorization_new")).content.decode()
    points.set_points_pilot(enabled=True, by=disc.world.credit_office)
    assert 'name="include_points"' in client.get(reverse("disclosure:authorization_new")).content.decode()


def test_unused_grant_helper_still_defaults_to_no_points(disc) -> None:
    authorization, _code = grant(disc)
    assert authorization.include_points is False


def test_a_changed_or_retired_rule_or_the_switch_reaches_the_cached_points_at_once(
    client, disc, django_capture_on_commit_callbacks
) -> None:
    login(client, disc.citizen)
    url = reverse("disclosure:my_archive", args=[disc.world.archive.pk])
    with django_capture_on_commit_callbacks(execute=True):
        _pilot_with_rules(disc)
    assert '<strong id="points-total">95' in client.get(url).content.decode()
    office = disc.world.credit_office
    rule = PointRule.objects.get(is_active=True, kind="negative_record")
    with django_capture_on_commit_callbacks(execute=True):
        changed = points.change_point_rule(rule, by=office, points=-20, source="示范市诚信积分试点方案第七条（修订）")
    assert '<strong id="points-total">85' in client.get(url).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        points.retire_point_rule(changed, by=office)
    assert '<strong id="points-total">105' in client.get(url).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        points.set_points_pilot(enabled=False, by=office)
    assert 'id="points-total"' not in client.get(url).content.decode()


def test_points_are_left_out_of_a_report_of_chosen_categories(disc) -> None:
    """Each points line names its record: a report of the categories the person chose
    (here the positive ones only left out, under a purpose that must carry every negative
    record) would show, through its points, a record the report leaves out. So points go
    only with a report of every category, and the report says they were left out."""
    from departments.models import RecordCategory
    from disclosure.services import authorizations as auth_services

    _pilot_with_rules(disc)
    violations = RecordCategory.objects.get(code="violations")
    terms = auth_services.check_terms(disc.subject, grantee=disc.employer, purpose=Purpose.RECRUITMENT, days=30,
                                      max_uses=1, include_points=True, categories=[violations])
    _auth, code = auth_services.grant_authorization(disc.subject, by=disc.citizen, terms=terms)
    report = queries.query_record(by=disc.employer_staff, name=disc.subject.name, id_number=disc.subject.id_number,
                                  code=code, purpose=Purpose.RECRUITMENT).report
    assert all("points" not in archive for archive in report.content["archives"])
    assert "优秀教师" not in str(report.content)
    assert any("诚信积分" in line for line in report.content["scope"]["left_out"])
