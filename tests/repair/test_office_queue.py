"""The credit office's queue at any size: each stage shows its count, how many are past
their deadline and only its most urgent cases; the stage's own page lists every case,
50 a page. The urgent order is the one ``Case.due`` gives (DESIGN §5 deadlines)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.urls import reverse

from repair import selectors, services
from repair.models import Objection, RepairApplication
from tests.repair.conftest import english_client, pdf, publish

pytestmark = pytest.mark.django_db


@pytest.fixture
def cases(linked_citizen, world) -> list[object]:
    """Seven open objections (three accepted) and two repair applications, their
    deadlines spread over past and future so the urgent order is not the filing order."""
    today = date.today()
    made = []
    for i in range(9):
        record = publish(world, title=f"记录{i}")
        if i < 7:
            case = services.file_objection(record, by=world.citizen, reasons="不是我")
            if i in (1, 3, 5):
                case = services.accept_objection(case, by=world.credit_office)
        else:
            case = services.apply_for_repair(record, by=world.citizen, fulfilment="已履行", commitment_confirmed=True,
                                             proof=[pdf()])
        made.append(case)
    shift = [5, -3, -1, 7, 2, -8, 0, 4, -2]  # days from today, per case
    for case, days in zip(made, shift, strict=True):
        field = "decide_due" if case.accepted_at else "accept_due"
        type(case).objects.filter(pk=case.pk).update(**{field: today + timedelta(days=days)})
    return made


def _expected(state: str, model: type, shown: int) -> list[int]:
    """The old definition: every open case of the state, sorted in Python by its due date."""
    everything = list(model.objects.filter(state=state))
    everything.sort(key=lambda c: (c.due or date.max, c.filed_at))
    return [c.pk for c in everything[:shown]]


def test_each_stage_shows_its_most_urgent_cases_with_full_counts(cases, world, monkeypatch) -> None:
    monkeypatch.setattr(selectors, "QUEUE_SHOWN", 2)
    stages = selectors.queue(world.credit_office)
    today = date.today()
    for key, case_type, state in selectors.STAGES:
        stage = stages[key]
        every = list(case_type.model.objects.filter(state=state))
        assert stage.count == len(every), key
        assert stage.overdue == sum(1 for c in every if c.due < today), key
        assert [c.pk for c in stage.cases] == _expected(state, case_type.model, 2), key
    assert stages["objection_submitted"].count == 4
    assert stages["objection_verifying"].count == 3
    assert stages["repair_submitted"].count == 2


def test_queue_page_links_to_the_whole_stage_and_counts_overdue_beyond_those_shown(cases, world, monkeypatch) -> None:
    monkeypatch.setattr(selectors, "QUEUE_SHOWN", 1)
    client = english_client(world.credit_office)
    html = client.get(reverse("repair:queue")).content.decode()
    # Four cases are past their deadline (-3, -1, -8 and -2 days), though one case a stage is shown.
    assert "4 cases are past their deadline." in html
    assert 'href="?stage=objection_submitted">The 1 most urgent are shown. See all 4 cases at this stage' in html
    shown = [c for c in cases if c.reference in html]
    assert len(shown) == 3  # one objection awaiting acceptance, one being verified, one repair application

    page = client.get(reverse("repair:queue"), {"stage": "objection_submitted"}).content.decode()
    submitted = Objection.objects.filter(state=Objection.State.SUBMITTED)
    order = _expected(Objection.State.SUBMITTED, Objection, 50)
    positions = [page.index(Objection.objects.get(pk=pk).reference) for pk in order]
    assert positions == sorted(positions), "the stage page lists its cases oldest deadline first"
    assert submitted.count() == 4
    assert "All stages" in page
    assert RepairApplication.objects.first().reference not in page


def test_stage_page_is_paged(cases, world, monkeypatch) -> None:
    client = english_client(world.credit_office)
    first = client.get(reverse("repair:queue"), {"stage": "objection_verifying"})
    assert first.context["page"].paginator.count == 3
    assert all(hasattr(c, "overdue") and hasattr(c, "due_soon") for c in first.context["page"].object_list)
    beyond = client.get(reverse("repair:queue"), {"stage": "objection_verifying", "page": "99"})
    assert beyond.status_code == 200  # the last page, not an error


def test_an_unknown_stage_shows_the_whole_queue(cases, world) -> None:
    response = english_client(world.credit_office).get(reverse("repair:queue"), {"stage": "nonsense'"})
    assert response.status_code == 200
    assert "groups" in response.context


def test_only_the_credit_office_sees_a_stage(cases, world) -> None:
    for user in (world.edu_clerk, world.citizen):
        response = english_client(user).get(reverse("repair:queue"), {"stage": "objection_submitted"})
        assert response.status_code in (302, 403)
    assert selectors.queue(world.edu_clerk) == {}
    assert not selectors.stage_cases(world.edu_clerk, selectors.stage_of("objection_submitted")).exists()
