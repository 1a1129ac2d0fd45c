"""Adult students (002 §二（一）5): the minimum age refused in the service for every path
(web form, Excel/API intake), schools as keeping units, the four kinds of misconduct."""

from __future__ import annotations

from datetime import date

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse

from archives import services
from archives.intake import importer, reader
from archives.intake.catalogue import choices_for
from archives.intake.rows import parse_cells
from archives.models import Archive, Subject
from credit_portal.models import AuditEntry
from departments.models import Department, Occupation, OccupationCategory, RecordCategory
from tests import factories as f
from tests.archives.conftest import World
from tests.intake.conftest import filled, row

MISCONDUCT = {
    "exam-cheating": "国家考试舞弊",
    "academic-fraud": "学术造假",
    "student-loan-default": "不履行助学贷款还款承诺",
    "forged-employment-papers": "伪造就业材料",
}


@pytest.fixture
def students(world: World) -> Occupation:
    return Occupation.objects.get(code="adult-student")


def _person(world: World, birth: date, seq: int) -> Subject:
    subject, _ = services.find_or_create_subject(
        name="学生测试", id_number=f.make_id_number(birth=birth, seq=seq, region="110108"), by=world.edu_clerk,
    )
    return subject


def _open(world: World, students: Occupation, subject: Subject) -> Archive:
    return services.open_archive(subject=subject, occupation=students, department=world.education,
                                 employer="示范市职业技术学院", by=world.edu_clerk)


def test_the_catalogue_declares_eighteen_with_its_basis(students: Occupation) -> None:
    assert students.minimum_age == 18
    assert "002 §二（一）5" in students.minimum_age_basis


@pytest.mark.parametrize(("birth", "day_before", "birthday"), [
    (date(2008, 3, 15), date(2026, 3, 14), date(2026, 3, 15)),
    # Born on 29 February: the 18th birthday always falls in a common year, so the
    # person is of age on 1 March (the day after 28 February), never on 28 February.
    (date(2008, 2, 29), date(2026, 2, 28), date(2026, 3, 1)),
    (date(2012, 2, 29), date(2030, 2, 28), date(2030, 3, 1)),
    # Born on 28 February of a leap year: of age on 28 February, not on the 29th.
    (date(2008, 2, 28), date(2026, 2, 27), date(2026, 2, 28)),
])
def test_student_archive_opens_on_the_eighteenth_birthday_not_the_day_before(
    world: World, students: Occupation, birth: date, day_before: date, birthday: date,
) -> None:
    with time_machine.travel(date(2026, 1, 1), tick=False):
        subject = _person(world, birth, seq=7)
    before = (Archive.objects.count(), AuditEntry.objects.count())
    with time_machine.travel(day_before, tick=False), pytest.raises(ValidationError) as caught:
        _open(world, students, subject)
    message = caught.value.message_dict["occupation"][0]
    assert "18" in message
    assert "盐城市" in message  # the basis, cited by the document's name
    assert (Archive.objects.count(), AuditEntry.objects.count()) == before
    with time_machine.travel(birthday, tick=False):
        assert _open(world, students, subject).occupation == students


def test_occupation_without_minimum_age_opens_for_anyone(world: World) -> None:
    subject = _person(world, date(2012, 5, 5), seq=9)
    assert services.open_archive(subject=subject, occupation=world.teacher, department=world.education,
                                 employer="示范中学", by=world.edu_clerk)


def test_web_form_refuses_a_minor_student_with_the_reason(client, world: World, students: Occupation) -> None:
    subject = _person(world, date(2011, 6, 1), seq=11)
    # The clerk reaches the person through an archive their department keeps already.
    services.open_archive(subject=subject, occupation=world.teacher, department=world.education,
                          employer="示范中学", by=world.edu_clerk)
    client.force_login(world.edu_clerk)
    response = client.post(reverse("archives:archive_open", args=[subject.pk]), {
        "occupation": students.pk, "department": world.education.pk, "employer": "示范市职业技术学院",
    })
    assert response.status_code == 200
    html = response.content.decode()
    assert "未满18周岁" in html
    assert "<title>错误：" in html
    assert not Archive.objects.filter(subject=subject, occupation=students).exists()


def test_excel_import_refuses_a_minor_student_row(world: World, students: Occupation) -> None:
    minor = f.make_id_number(birth=date(2011, 6, 1), seq=21, region="110106")
    adult = f.make_id_number(birth=date(2000, 6, 1), seq=22, region="110106")
    exam = RecordCategory.objects.get(code="exam-cheating").name
    data = filled(students, [row(1, id_number=minor, category=exam, employer="示范市职业技术学院"),
                             row(2, id_number=adult, category=exam, employer="示范市职业技术学院")])
    sheet, _code = reader.open_rows(data, occupation=students)
    choices = choices_for(students)
    rows = (parse_cells(n, cells, choices) for n, cells in sheet.rows)
    before = (Subject.objects.count(), Archive.objects.count())
    outcome = importer.import_rows(rows, department=world.education, choices=choices, by=world.edu_clerk)
    refused = {r.number: [e.message for e in r.errors] for r in outcome.refused}
    assert list(refused) == [2]  # the first data row, row 2 of the sheet
    assert any("未满18周岁" in m for m in refused[2])
    assert (Subject.objects.count(), Archive.objects.count()) == before  # all or nothing


def test_four_kinds_of_misconduct_are_categories_of_the_students_archive_with_basis(students: Occupation) -> None:
    for code, name in MISCONDUCT.items():
        category = RecordCategory.objects.get(code=code)
        assert category.name == name
        assert "002 §二（一）5" in category.legal_basis
        assert OccupationCategory.objects.filter(occupation=students, category=category, seed="002").exists()


def test_a_school_keeps_adult_students_archives(world: World, students: Occupation) -> None:
    school = Department.objects.create(code="test-college", name="示范学院", kind=Department.Kind.SCHOOL)
    f.occupation("adult-student", departments=(school,))
    clerk = f.member(school, "clerk", "college_clerk")
    subject, _ = services.find_or_create_subject(
        name="学生乙", id_number=f.make_id_number(birth=date(2003, 1, 1), seq=3, region="110108"), by=clerk,
    )
    archive = services.open_archive(subject=subject, occupation=students, department=school, employer="示范学院", by=clerk)
    assert archive.department.display_name == "示范学院"  # no 市 prefix for a school
    record = services.draft_record(archive, by=clerk, category=RecordCategory.objects.get(code="academic-fraud"),
                                   polarity="negative", severity="general", title="毕业论文抄袭",
                                   occurred_on=date(2026, 3, 1), decided_on=date(2026, 3, 10))
    assert record.category.code == "academic-fraud"
