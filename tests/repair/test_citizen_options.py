"""What a citizen can do beyond filing: the next steps after an outcome against them
(行政复议 within 60 days, 行政诉讼 within 6 months) and more material while a case is open."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import reverse

from archives.models import Notice
from credit_portal.exceptions import TransitionNotAllowed
from repair import services
from repair.models import CaseFile
from tests.factories import lately
from tests.repair.conftest import answer, pdf

pytestmark = pytest.mark.django_db


def chinese(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_a_refusal_shows_the_remedies_with_their_legal_basis(linked_citizen, record, world) -> None:
    objection = services.file_objection(record, by=world.citizen, reasons="不是我")
    page = reverse("repair:my_case", args=["objection", objection.pk])
    assert 'id="remedies"' not in chinese(world.citizen).get(page).content.decode()  # open: nothing to contest
    services.refuse_objection(objection, by=world.credit_office, reason="理由不足")
    html = chinese(world.citizen).get(page).content.decode()
    assert 'id="remedies"' in html
    for words in ("六十日内", "行政复议", "六个月内", "行政诉讼", "第二十条", "第四十六条"):
        assert words in html
    notice = Notice.objects.filter(subject=world.subject).latest("pk")
    assert "行政复议" in notice.body


def test_an_upheld_objection_shows_no_remedies(linked_citizen, record, world) -> None:
    objection = services.accept_objection(
        services.file_objection(record, by=world.citizen, reasons="不是我"), by=world.credit_office
    )
    answer(world, objection, proposal="withdraw", reason="应撤销")
    services.conclude_objection(objection, by=world.credit_office, reason="撤销")
    html = chinese(world.citizen).get(reverse("repair:my_case", args=["objection", objection.pk])).content.decode()
    assert 'id="remedies"' not in html


def test_the_citizen_adds_material_while_the_case_is_open(linked_citizen, record, world, other_user) -> None:
    objection = services.file_objection(record, by=world.citizen, reasons="不是我")
    services.add_case_files(objection, by=world.citizen, files=[pdf("more.pdf")])
    assert list(CaseFile.objects.filter(objection=objection).values_list("original_name", flat=True)) == ["more.pdf"]
    with pytest.raises(PermissionDenied):
        services.add_case_files(objection, by=other_user, files=[pdf("x.pdf")])
    url = reverse("repair:add_files", args=["objection", objection.pk])
    response = chinese(world.citizen).post(url, {})
    assert response.status_code == 200  # no file chosen: the form says so
    assert CaseFile.objects.filter(objection=objection).count() == 1
    chinese(world.citizen).post(url, {"files": [pdf("third.pdf")]})
    assert CaseFile.objects.filter(objection=objection).count() == 2
    services.refuse_objection(objection, by=world.credit_office, reason="理由不足")
    with pytest.raises(TransitionNotAllowed):
        services.add_case_files(objection, by=world.citizen, files=[pdf("late.pdf")])
    assert CaseFile.objects.filter(objection=objection).count() == 2


@pytest.fixture
def other_user(world):
    from credit_portal.roles import Role
    from tests import factories as f

    return f.make_user("citizen_other", roles=(Role.CITIZEN,))


def test_the_citizen_withdraws_an_open_objection(linked_citizen, record, world, other_user) -> None:
    from archives.models import CreditRecord
    from exchange.models import OutboxEvent
    from exchange.schema import envelope_for, problem
    from repair.models import Objection

    objection = services.file_objection(record, by=world.citizen, reasons="不是我")
    with pytest.raises(PermissionDenied):
        services.withdraw_case(objection, by=other_user)
    with pytest.raises(PermissionDenied):
        services.withdraw_case(objection, by=world.credit_office)
    page = reverse("repair:my_case", args=["objection", objection.pk])
    url = reverse("repair:withdraw", args=["objection", objection.pk])
    assert url in chinese(world.citizen).get(page).content.decode()
    assert chinese(world.citizen).get(url).status_code == 200
    objection.refresh_from_db()
    assert objection.state == Objection.State.SUBMITTED  # a GET changes nothing
    chinese(world.citizen).post(url, {})
    objection.refresh_from_db()
    assert objection.state == Objection.State.WITHDRAWN
    assert not CreditRecord.objects.get(pk=record.pk).under_objection
    event = OutboxEvent.objects.get(event_type="objection.concluded")
    assert event.payload["outcome"] == "withdrawn"
    assert problem(envelope_for(event)) is None
    update = OutboxEvent.objects.filter(event_type="objection.updated", payload__step="withdrawn").get()
    assert problem(envelope_for(update)) is None
    html = chinese(world.citizen).get(page).content.decode()
    assert url not in html
    assert "已撤回" in html
    with pytest.raises(TransitionNotAllowed):
        services.withdraw_case(objection, by=world.citizen)
    # Filing again is possible.
    services.file_objection(record, by=world.citizen, reasons="再次提出")


def test_the_citizen_withdraws_a_repair_application(links, world) -> None:
    from exchange.models import OutboxEvent
    from exchange.schema import envelope_for, problem
    from repair.models import RepairApplication
    from tests.repair.conftest import publish

    record = publish(world, severity="minor", is_penalty=False, **lately())
    application = services.apply_for_repair(record, by=world.citizen, fulfilment="已履行", commitment_confirmed=True,
                                            proof=[pdf()])
    services.withdraw_case(application, by=world.citizen)
    application.refresh_from_db()
    assert application.state == RepairApplication.State.WITHDRAWN
    event = OutboxEvent.objects.get(event_type="repair.concluded")
    assert problem(envelope_for(event)) is None


def test_a_personal_statement_while_under_objection_or_disputed(linked_citizen, record, world) -> None:
    from repair import selectors

    open_case = services.file_objection(record, by=world.citizen, reasons="不是我")
    page = reverse("repair:my_case", args=["objection", open_case.pk])
    assert reverse("repair:statement_new", args=[open_case.pk]) in chinese(world.citizen).get(page).content.decode()
    services.add_personal_statement(open_case, by=world.citizen, text="本人当日在外地培训。")
    assert selectors.statement_for(record).text == "本人当日在外地培训。"
    with pytest.raises(TransitionNotAllowed):
        services.add_personal_statement(open_case, by=world.citizen, text="再次声明")


@pytest.mark.parametrize(("proposal", "allowed"), [("keep", True), ("unverifiable", True), ("withdraw", False)])
def test_a_statement_after_the_objection_ended(linked_citizen, world, proposal: str, allowed: bool) -> None:
    from tests.repair.conftest import publish

    record = publish(world)
    case = services.accept_objection(
        services.file_objection(record, by=world.citizen, reasons="不是我"), by=world.credit_office
    )
    answer(world, case, proposal=proposal, reason="核查")
    case = services.conclude_objection(case, by=world.credit_office, reason="结论")
    if allowed:
        services.add_personal_statement(case, by=world.citizen, text="本人不认可。")
    else:
        with pytest.raises(TransitionNotAllowed):
            services.add_personal_statement(case, by=world.citizen, text="本人不认可。")


def test_no_statement_on_a_refused_objection(links, record, world) -> None:
    case = services.refuse_objection(
        services.file_objection(record, by=world.citizen, reasons="不是我"), by=world.credit_office, reason="理由不足"
    )
    with pytest.raises(TransitionNotAllowed):
        services.add_personal_statement(case, by=world.citizen, text="本人不认可。")


def test_the_office_asks_for_missing_material_and_the_files_settle_it(linked_citizen, world, officer2) -> None:
    from exchange.models import OutboxEvent
    from exchange.schema import envelope_for, problem
    from tests.repair.conftest import publish

    record = publish(world, severity="minor", is_penalty=False, **lately())
    application = services.apply_for_repair(record, by=world.citizen, fulfilment="已履行", commitment_confirmed=True,
                                            proof=[pdf()])
    for outsider in (world.edu_reviewer, world.citizen):
        with pytest.raises(PermissionDenied):
            services.request_material(application, by=outsider, reason="缺少缴款凭证")
    services.assign_case(application, officer=officer2, by=officer2)
    with pytest.raises(PermissionDenied):
        services.request_material(application, by=world.credit_office, reason="缺少缴款凭证")  # not in charge
    office = Client()
    office.force_login(officer2)
    url = reverse("repair:ask_for_material", args=["application", application.pk])
    assert url in office.get(reverse("repair:case", args=["application", application.pk])).content.decode()
    office.post(url, {"reason": ""})
    application.refresh_from_db()
    assert application.material_requested_at is None
    office.post(url, {"reason": "缺少银行缴款凭证原件扫描件。"})
    application.refresh_from_db()
    assert application.material_request == "缺少银行缴款凭证原件扫描件。"
    with pytest.raises(TransitionNotAllowed):
        services.request_material(application, by=officer2, reason="再要一次")
    notice = Notice.objects.filter(subject=world.subject).latest("pk")
    assert "缺少银行缴款凭证原件扫描件。" in notice.body
    mine = chinese(world.citizen).get(reverse("repair:my_case", args=["application", application.pk])).content.decode()
    assert 'id="material-request"' in mine
    assert reverse("repair:add_files", args=["application", application.pk]) in mine
    services.add_case_files(application, by=world.citizen, files=[pdf("receipt.pdf")])
    application.refresh_from_db()
    assert application.material_requested_at is None
    event = OutboxEvent.objects.get(event_type="repair.updated", payload__step="material_requested")
    assert problem(envelope_for(event)) is None
