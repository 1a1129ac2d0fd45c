"""One state, one name: badges and dates come from the version shown and its present
state only (no display date beside 已修复, no stale 异议处理中 after a correction, the
superseded version links to the version that replaced it, no doubled badge)."""

from __future__ import annotations

from datetime import date

import pytest
import time_machine
from django.urls import reverse
from django.utils import translation

from archives import services
from archives.models import CreditRecord
from tests.archives.conftest import World, publish_negative

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(date(2026, 5, 1), tick=False):
        yield


def _label(state: str) -> str:
    with translation.override("zh-hans"):
        return str(CreditRecord.State(state).label)


def test_a_repaired_record_shows_one_state_badge_and_no_display_date(client, world: World) -> None:
    record = publish_negative(world)
    assert record.display_until is not None
    repaired = services.mark_repaired(record, by=world.credit_office, reason="已履行")
    client.force_login(world.edu_clerk)
    for url in (reverse("archives:archive", args=[world.archive.pk]), reverse("archives:record", args=[repaired.pk])):
        page = client.get(url).content.decode()
        assert page.count(f'govuk-tag--blue">{_label("repaired")}<') == 1, url
        assert f'govuk-tag--orange">{_label("repaired")}<' not in page, url
        assert f"{record.display_until.year}年{record.display_until.month}月{record.display_until.day}日" not in page, url


def test_after_a_correction_the_old_version_is_not_under_objection_and_links_to_the_new(client, world: World) -> None:
    record = publish_negative(world)
    services.set_objection_flag(record, flagged=True, by=world.credit_office)
    new = services.correct_record(record, by=world.credit_office, reason="异议成立", decision_number="新文号")
    services.set_objection_flag(new, flagged=False, by=world.credit_office)
    client.force_login(world.edu_clerk)
    with translation.override("zh-hans"):
        under_objection = str(translation.gettext("under objection"))
    old_page = client.get(reverse("archives:record", args=[record.pk])).content.decode()
    assert under_objection not in old_page
    assert f'href="{reverse("archives:record", args=[new.pk])}"' in old_page
    # One badge for the state; the history table may name it again in its state row.
    assert old_page.count(f'govuk-tag">{_label("corrected")}<') + old_page.count(
        f'govuk-tag--blue">{_label("corrected")}<') == 1
    assert f'govuk-tag--orange">{_label("corrected")}<' not in old_page
    archive_page = client.get(reverse("archives:archive", args=[world.archive.pk])).content.decode()
    assert under_objection not in archive_page


def test_the_current_version_under_objection_says_so_once(client, world: World) -> None:
    record = publish_negative(world)
    services.set_objection_flag(record, flagged=True, by=world.credit_office)
    client.force_login(world.edu_clerk)
    with translation.override("zh-hans"):
        under_objection = str(translation.gettext("under objection"))
    page = client.get(reverse("archives:record", args=[record.pk])).content.decode()
    assert page.count(under_objection) == 1
