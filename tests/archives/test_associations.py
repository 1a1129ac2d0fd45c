"""Industry associations keep their members' archives and record the sanctions of
004 item 27, which no other unit may record; their records are pushed like the rest."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import ValidationError

from archives import services
from archives.intake import importer, reader
from archives.intake.catalogue import choices_for
from archives.intake.rows import parse_cells
from archives.models import Archive, CreditRecord
from departments.models import Department, Membership, Occupation, OccupationCategory, RecordCategory
from exchange.models import OutboxEvent
from tests import factories as f
from tests.archives.conftest import World, pdf
from tests.intake.conftest import filled, row

# 004 item 27, in the seed's words and order.
SANCTIONS = ("警告", "行业内通报批评", "公开谴责", "不予接纳", "限制任职", "限制发起", "劝退")


@pytest.fixture
def members(world: World) -> Occupation:
    return Occupation.objects.get(code="association-member")


@pytest.fixture
def association(world: World, members: Occupation) -> Department:
    unit = Department.objects.create(code="test-association", name="示范市注册会计师协会",
                                     kind=Department.Kind.ASSOCIATION)
    f.occupation("association-member", departments=(unit,))
    return unit


def _member_archive(by, unit: Department, members: Occupation) -> Archive:  # type: ignore[no-untyped-def]
    subject, _ = services.find_or_create_subject(
        name="会员测试", id_number=f.make_id_number(birth=date(1980, 8, 8), seq=8, region="110108"), by=by,
    )
    return services.open_archive(subject=subject, occupation=members, department=unit, employer="示范事务所", by=by)


def _sanction(code: str = "association-public-censure") -> dict[str, object]:
    return {
        "category": RecordCategory.objects.get(code=code), "polarity": CreditRecord.Polarity.NEGATIVE,
        "severity": CreditRecord.Severity.GENERAL, "title": "违反行业规范", "decision_number": "示协〔2026〕1号",
        "deciding_body": "示范市注册会计师协会", **f.lately(50),  # on display whenever the suite runs
    }


def test_the_sanctions_of_item_27_are_categories_only_associations_record(members: Occupation) -> None:
    sanctions = RecordCategory.objects.filter(keeper_kind=Department.Kind.ASSOCIATION, positive_only=False)
    assert [c.name.removeprefix("行业惩戒：") for c in sanctions.order_by("sort_order")] == list(SANCTIONS)
    for category in sanctions:
        assert "004 第27项" in category.legal_basis
        assert OccupationCategory.objects.filter(occupation=members, category=category, seed="004").exists()


def test_association_records_a_sanction_in_a_member_archive_and_it_is_pushed(
    world: World, association: Department, members: Occupation,
) -> None:
    clerk = f.member(association, Membership.Role.CLERK, "assoc_clerk")
    reviewer = f.member(association, Membership.Role.REVIEWER, "assoc_reviewer")
    archive = _member_archive(clerk, association, members)
    assert archive.department.display_name == "示范市注册会计师协会"
    record = services.draft_record(archive, by=clerk, **_sanction())
    services.attach_evidence(pdf(), by=clerk, record=record)
    services.submit_record(record, by=clerk)
    published = services.publish_record(record, by=reviewer)
    assert published.state == CreditRecord.State.PUBLISHED
    assert OutboxEvent.objects.filter(event_type="record.published", aggregate_id=str(published.pk)).exists()


def test_a_government_department_cannot_record_an_association_sanction(world: World, members: Occupation) -> None:
    # 教育局 made co-responsible for the group still may not use the association's measures.
    f.occupation("association-member", departments=(world.education,))
    archive = _member_archive(world.edu_clerk, world.education, members)
    before = CreditRecord.objects.count()
    with pytest.raises(ValidationError) as caught:
        services.draft_record(archive, by=world.edu_clerk, **_sanction("association-warning"))
    assert caught.value.message_dict["category"] == ["只有“行业协会”类单位才能记录“行业惩戒：警告”。"]
    assert CreditRecord.objects.count() == before


def test_excel_import_by_a_department_refuses_a_sanction_row(world: World, members: Occupation) -> None:
    f.occupation("association-member", departments=(world.education,))
    sanction = RecordCategory.objects.get(code="association-advised-withdrawal").name
    data = filled(members, [row(1, category=sanction)])
    sheet, _code = reader.open_rows(data, occupation=members)
    choices = choices_for(members)
    rows = (parse_cells(n, cells, choices) for n, cells in sheet.rows)
    before = (Archive.objects.count(), CreditRecord.objects.count())
    outcome = importer.import_rows(rows, department=world.education, choices=choices, by=world.edu_clerk)
    messages = [e.message for r in outcome.refused for e in r.errors]
    assert any("只有“行业协会”类单位" in m for m in messages), messages
    assert (Archive.objects.count(), CreditRecord.objects.count()) == before
