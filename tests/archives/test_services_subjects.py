from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection

from archives import services
from archives.models import Archive, Subject
from tests import factories as f

pytestmark = pytest.mark.django_db


def test_subject_found_by_id_number_no_duplicates(world):
    number = world.subject.id_number
    again, created = services.find_or_create_subject(name="测试甲", id_number=number, by=world.health_clerk)
    assert not created
    assert again.pk == world.subject.pk
    assert services.find_subject_by_id_number(number.lower()).pk == world.subject.pk
    assert Subject.objects.count() == 1


def test_same_number_different_name_is_refused(world):
    with pytest.raises(ValidationError) as excinfo:
        services.find_or_create_subject(name="别人", id_number=world.subject.id_number, by=world.health_clerk)
    assert "name" in excinfo.value.message_dict


@pytest.mark.parametrize(
    "number",
    [
        "110105198003010011",  # wrong check digit
        "110105198002300016",  # 30 February
        "11010519800301",  # too short
        "110105203003010019",  # birth date in the future
    ],
)
def test_invalid_id_number_is_refused(world, number):
    with pytest.raises(ValidationError):
        services.find_or_create_subject(name="某人", id_number=number, by=world.edu_clerk)
    assert Subject.objects.count() == 1


def test_full_width_id_number_is_accepted(world):
    number = f.make_id_number(seq=7, birth=date(1990, 1, 2))
    full_width = "".join(chr(ord(c) + 0xFEE0) if c.isdigit() else c for c in number)
    subject, created = services.find_or_create_subject(name="全角", id_number=full_width, by=world.edu_clerk)
    assert created
    assert subject.id_number == number


def test_birth_date_gender_and_minor_flag_derived(world):
    number = f.make_id_number(seq=4, birth=date(2010, 5, 6), male=False)
    subject, _ = services.find_or_create_subject(name="未成年", id_number=number, by=world.edu_clerk)
    assert subject.birth_date == date(2010, 5, 6)
    assert subject.gender == "female"
    assert subject.is_minor_on(date(2028, 5, 5))
    assert not subject.is_minor_on(date(2028, 5, 6))


def test_citizen_cannot_create_subjects(world):
    with pytest.raises(PermissionDenied):
        services.find_or_create_subject(name="x", id_number=f.make_id_number(seq=9), by=world.citizen)


def test_raw_database_holds_no_id_number_or_phone_in_clear(world):
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM archives_subject")
        rows = cursor.fetchall()
    dump = repr(rows)
    assert world.subject.id_number not in dump
    assert "13800000000" not in dump
    assert world.subject.id_number_masked in dump


def test_one_archive_per_subject_and_occupation(world):
    with pytest.raises(ValidationError):
        services.open_archive(
            subject=world.subject, occupation=world.teacher, department=world.education, employer="另一所学校",
            by=world.edu_clerk,
        )
    assert Archive.objects.count() == 1


def test_close_archive_by_reviewer_only(world):
    with pytest.raises(PermissionDenied):
        services.close_archive(world.archive, reason="离职", by=world.edu_clerk)
    with pytest.raises(PermissionDenied):
        services.close_archive(world.archive, reason="离职", by=world.health_reviewer)
    closed = services.close_archive(world.archive, reason="离职", by=world.edu_reviewer)
    assert closed.state == Archive.State.CLOSED


def test_archive_shared_with_one_more_department(world):
    from archives.selectors import archives_visible_to

    assert not archives_visible_to(world.health_clerk).filter(pk=world.archive.pk).exists()
    with pytest.raises(PermissionDenied):
        services.share_archive(world.archive, department=world.health, by=world.edu_clerk)
    services.share_archive(world.archive, department=world.health, by=world.edu_reviewer)
    assert archives_visible_to(world.health_clerk).filter(pk=world.archive.pk).exists()
    record = services.draft_record(
        world.archive, by=world.health_clerk, category=world.basic, polarity="positive", title="优秀医师",
        occurred_on=date(2025, 1, 1), decided_on=date(2025, 1, 2),
    )
    assert record.pk
