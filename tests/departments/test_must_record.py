"""Issue 13 point 4: the items a seed says must be recorded (必须记入) are catalogue data
with the seed's words, and the clerk's record form marks them."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.db import IntegrityError, transaction
from django.utils import translation

from archives.forms import RecordForm
from archives.services import categories_for
from departments.catalogue_data import MUST_RECORD
from departments.models import Occupation, OccupationCategory

pytestmark = pytest.mark.django_db


def test_civil_servants_disciplinary_sanctions_must_be_recorded_with_the_seeds_words() -> None:
    row = OccupationCategory.objects.get(occupation__code="civil-servant", category__code="integrity")
    assert row.must_record
    assert "纪检监察部门处分的信息必须记入信用档案" in row.must_record_basis
    assert row.must_record_basis.startswith("000 §二（一）")
    assert OccupationCategory.objects.filter(must_record=True).count() == len(MUST_RECORD)


def test_a_duty_to_record_without_basis_is_refused_by_the_database() -> None:
    row = OccupationCategory.objects.filter(must_record=False).first()
    row.must_record = True
    with pytest.raises(IntegrityError), transaction.atomic():
        row.save()


def test_the_record_form_marks_the_items_that_must_be_recorded() -> None:
    civil = Occupation.objects.get(code="civil-servant")
    teacher = Occupation.objects.get(code="teacher")
    with translation.override("zh-hans"):
        form = RecordForm(categories=categories_for(SimpleNamespace(occupation_id=civil.pk)))
        labels = {label for _value, label in form.fields["category"].choices}
        assert "廉政记录（必须记入）" in labels
        assert "纪检监察部门处分的信息必须记入信用档案" in str(form.fields["category"].help_text)
        other = RecordForm(categories=categories_for(SimpleNamespace(occupation_id=teacher.pk)))
        assert not any("必须记入" in str(label) for _value, label in other.fields["category"].choices)
