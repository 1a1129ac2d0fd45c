"""Typed honours of 003 item 5 are positive-only categories; the association's
recommendation is recorded only by an association."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import ValidationError

from archives import services
from archives.models import CreditRecord
from departments.models import OccupationCategory, RecordCategory
from tests.archives.conftest import World


def _honour(code: str, polarity: str) -> dict[str, object]:
    return {"category": RecordCategory.objects.get(code=code), "polarity": polarity, "title": "获评市级荣誉",
            "deciding_body": "示范市文明委", "occurred_on": date(2026, 1, 5), "decided_on": date(2026, 1, 20)}


def test_each_honour_is_a_positive_only_category_with_basis(world: World) -> None:
    names = set(RecordCategory.objects.filter(positive_only=True).values_list("name", flat=True))
    assert {"荣誉：道德模范", "荣誉：劳动模范", "荣誉：诚信之星", "荣誉：行业协会商会推荐的诚信会员"} <= names
    moral = RecordCategory.objects.get(code="honour-moral-model")
    assert "003 §三（三）5" in moral.legal_basis
    assert OccupationCategory.objects.filter(occupation=world.teacher, category=moral, seed="003").exists()


def test_a_teacher_is_recorded_as_a_labour_model(world: World) -> None:
    record = services.draft_record(world.archive, by=world.edu_clerk,
                                   **_honour("honour-labour-model", CreditRecord.Polarity.POSITIVE))
    assert record.polarity == CreditRecord.Polarity.POSITIVE


def test_an_honour_recorded_as_negative_is_refused_and_nothing_written(world: World) -> None:
    before = CreditRecord.objects.count()
    with pytest.raises(ValidationError) as caught:
        services.draft_record(world.archive, by=world.edu_clerk,
                              **_honour("honour-integrity-star", CreditRecord.Polarity.NEUTRAL))
    assert caught.value.message_dict["polarity"] == ["“荣誉：诚信之星”属于荣誉，请作为正面信息记录。"]
    assert CreditRecord.objects.count() == before


def test_the_association_recommendation_is_not_offered_to_a_teacher(world: World) -> None:
    recommended = RecordCategory.objects.get(code="honour-association-recommended")
    with pytest.raises(ValidationError):
        services.draft_record(world.archive, by=world.edu_clerk,
                              **_honour("honour-association-recommended", CreditRecord.Polarity.POSITIVE))
    assert not OccupationCategory.objects.filter(occupation=world.teacher, category=recommended).exists()
