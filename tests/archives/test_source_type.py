"""The source type of 001 §三(五) (日常监管 … 处罚处分) on records entered by a clerk."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from archives import services
from archives.models import CreditRecord
from tests.archives.conftest import World, negative_data
from tests.archives.test_views_pages import _record_post


def test_the_six_source_types_of_001_are_offered(client, world: World) -> None:
    client.force_login(world.edu_clerk)
    html = client.get(reverse("archives:record_new", args=[world.archive.pk])).content.decode()
    for label in ("日常监管", "抽查检查", "登记变更", "年度考核", "表彰奖励", "处罚处分"):
        assert label in html


def test_clerk_records_the_source_type_and_the_record_page_shows_it(client, world: World) -> None:
    client.force_login(world.edu_clerk)
    response = client.post(reverse("archives:record_new", args=[world.archive.pk]),
                           _record_post(world, source_type="spot_check"))
    assert response.status_code == 302
    record = CreditRecord.objects.get(archive=world.archive, title="违规有偿补课")
    assert record.source_type == CreditRecord.SourceType.SPOT_CHECK
    assert "抽查检查" in client.get(reverse("archives:record", args=[record.pk])).content.decode()


def test_unknown_source_type_is_refused_by_form_and_service(client, world: World) -> None:
    client.force_login(world.edu_clerk)
    before = CreditRecord.objects.count()
    response = client.post(reverse("archives:record_new", args=[world.archive.pk]),
                           _record_post(world, source_type="rumour"))
    assert response.status_code == 200
    assert "请选择信息来源" in response.content.decode()
    with pytest.raises(ValidationError) as caught:
        services.draft_record(world.archive, by=world.edu_clerk, **negative_data(world, source_type="rumour"))
    assert "source_type" in caught.value.message_dict
    assert CreditRecord.objects.count() == before
