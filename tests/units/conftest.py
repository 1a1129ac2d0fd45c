"""Fixtures of units and their responsible persons: the archives ``world`` (education keeps
the teacher 测试甲's archive), its teachers' archives holding the category of a unit's
serious dishonesty, a unit of education with 测试甲 as legal representative, and two more
adults with teachers' archives (``staffed_unit`` names them principal and directly
responsible person)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from archives import services as archive_services
from archives.models import Archive
from archives.units import services
from archives.units.models import Unit, UnitDishonesty, UnitPerson
from departments.models import Membership
from tests import factories as f
from tests.archives.conftest import PDF, World
from tests.archives.conftest import world as world  # noqa: F401 - fixture re-export

UNIT_CODE = "91110105MA01CX7K3L"
OTHER_CODE = "91110105MA01CX7K4P"


@pytest.fixture(autouse=True)
def _english() -> Any:
    # Service messages are asserted on their English source; the view tests switch to Chinese.
    from django.utils import translation

    with translation.override("en"):
        yield


@pytest.fixture
def world_units(world: World) -> World:
    category = f.category("unit-serious-dishonesty", "所在单位严重失信行为", common=False)
    f.give_category(world.teacher, category)
    return world


@pytest.fixture
def unit(world_units: World) -> Unit:
    w = world_units
    return services.register_unit(
        by=w.edu_clerk,
        department=w.education,
        credit_code=UNIT_CODE,
        name="示范市明德培训学校有限公司",
        representative_id_number=w.subject.id_number,
    )


@pytest.fixture
def clerk_and_reviewer(world_units: World) -> Any:
    """A member of education who is both clerk and reviewer (four eyes must still hold)."""
    user = f.member(world_units.education, Membership.Role.REVIEWER, "edu_both")
    Membership.objects.create(user=user, department=world_units.education, role=Membership.Role.CLERK)
    return user


def pdf() -> SimpleUploadedFile:
    return SimpleUploadedFile("decision.pdf", PDF, content_type="application/pdf")


DISHONESTY = {
    "title": "拒不履行法院判决，被列为失信被执行人",
    "description": "有履行能力而拒不履行生效判决确定的义务。",
    "decision_number": "（2026）示执12号",
    "deciding_body": "示范市人民法院",
    "occurred_on": date(2026, 2, 1),
    "decided_on": date(2026, 3, 1),
}


def propose(unit: Unit, by: Any, **overrides: Any) -> UnitDishonesty:
    return services.propose_dishonesty(unit, by=by, evidence=pdf(), **{**DISHONESTY, **overrides})


def adult_with_archive(w: World, name: str, seq: int, *, birth: date = date(1979, 6, 1)) -> Archive:
    subject, _ = archive_services.find_or_create_subject(
        name=name, id_number=f.make_id_number(birth=birth, seq=seq), by=w.edu_clerk
    )
    return archive_services.open_archive(
        subject=subject, occupation=w.teacher, department=w.education, employer="示范市明德培训学校", by=w.edu_clerk
    )


@pytest.fixture
def staffed_unit(world_units: World, unit: Unit) -> Any:
    """``unit`` with a principal person in charge (测试乙) and a directly responsible person (测试丙)."""
    w = world_units
    principal = adult_with_archive(w, "测试乙", 41)
    responsible = adult_with_archive(w, "测试丙", 42)
    p = services.assign_person(unit, by=w.edu_clerk, role=UnitPerson.Role.PRINCIPAL, id_number=principal.subject.id_number)
    r = services.assign_person(
        unit, by=w.edu_clerk, role=UnitPerson.Role.DIRECTLY_RESPONSIBLE, id_number=responsible.subject.id_number
    )
    representative = UnitPerson.objects.get(unit=unit, role=UnitPerson.Role.LEGAL_REPRESENTATIVE)
    return unit, representative, p, r
