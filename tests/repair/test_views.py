"""The repair pages: the access matrix (DESIGN §6), bad input on every form (error
summary, "错误：" title, nothing changed) and the happy paths through the pages."""

from __future__ import annotations

import re
from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from archives.models import CreditRecord
from credit_portal.roles import Role
from disclosure.services.registration import link_citizen
from exchange.models import OutboxEvent
from repair import services
from repair.models import Objection, Rating, RepairApplication
from tests import factories as f
from tests.factories import lately
from tests.repair.conftest import PDF, answer, pdf, publish

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def linked(world) -> None:
    link_citizen(world.citizen, world.subject, by=world.credit_office)


@pytest.fixture
def other_citizen(world):
    """A second verified citizen with their own subject and record."""
    from archives import services as archive_services

    user = f.make_user("citizen2", roles=(Role.CITIZEN,))
    subject, _ = archive_services.find_or_create_subject(
        name="测试乙", id_number=f.make_id_number(birth=date(1982, 5, 1), seq=2), phone="13900000000",
        by=world.edu_clerk,
    )
    archive_services.open_archive(subject=subject, occupation=world.teacher, department=world.education,
                                  employer="示范市第二中学", by=world.edu_clerk)
    link_citizen(user, subject, by=world.credit_office)
    return user


def client_for(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def english(client: Client) -> Client:
    client.cookies["django_language"] = "en"
    return client


def as_(user) -> Client:
    return english(client_for(user))


def assert_error_page(response, *messages: str) -> None:
    assert response.status_code == 200
    html = response.content.decode()
    assert "govuk-error-summary" in html
    assert "<title>错误：" in html or "<title>Error: " in html
    for message in messages:
        assert message in html


# --- access matrix ---------------------------------------------------------------------------


@pytest.fixture
def objection(world, record) -> Objection:
    return services.file_objection(record, by=world.citizen, reasons="日期有误", files=[pdf()])


def test_anonymous_goes_to_login(world, record, objection) -> None:
    client = Client()
    for url in [
        reverse("repair:my_repair"),
        reverse("repair:objection_new", args=[record.pk]),
        reverse("repair:my_case", args=["objection", objection.pk]),
        reverse("repair:queue"),
        reverse("repair:case", args=["objection", objection.pk]),
        reverse("repair:department_queue"),
        reverse("repair:case_file", args=[objection.files.get().pk]),
    ]:
        response = client.get(url)
        assert response.status_code == 302, url
        assert "/accounts/login/" in response["Location"], url


def test_other_citizens_case_and_record_are_404(world, record, objection, other_citizen) -> None:
    client = as_(other_citizen)
    assert client.get(reverse("repair:my_case", args=["objection", objection.pk])).status_code == 404
    assert client.get(reverse("repair:objection_new", args=[record.pk])).status_code == 404
    assert client.get(reverse("repair:repair_new", args=[record.pk])).status_code == 404
    assert client.get(reverse("repair:rate", args=["objection", objection.pk])).status_code == 404
    assert client.get(reverse("repair:case_file", args=[objection.files.get().pk])).status_code == 404
    assert client.get(reverse("repair:my_case", args=["nonsense", objection.pk])).status_code == 404


def test_citizens_get_403_on_staff_pages(world, objection) -> None:
    client = as_(world.citizen)
    assert client.get(reverse("repair:queue")).status_code == 403
    assert client.get(reverse("repair:case", args=["objection", objection.pk])).status_code == 403
    assert client.post(reverse("repair:case_accept", args=["objection", objection.pk])).status_code == 403
    assert client.get(reverse("repair:department_queue")).status_code == 403
    objection.refresh_from_db()
    assert objection.state == Objection.State.SUBMITTED


def test_department_staff_see_only_accepted_objections_on_their_records(world, objection) -> None:
    edu = as_(world.edu_clerk)
    health = as_(world.health_clerk)
    url = reverse("repair:case", args=["objection", objection.pk])
    # Not accepted yet: not for the department either.
    assert edu.get(url).status_code == 404
    services.accept_objection(objection, by=world.credit_office)
    assert edu.get(url).status_code == 200
    assert objection.reference in edu.get(reverse("repair:department_queue")).content.decode()
    assert health.get(url).status_code == 404
    assert objection.reference not in health.get(reverse("repair:department_queue")).content.decode()
    assert health.get(reverse("repair:draft_answer", args=[objection.pk])).status_code == 404
    # Department staff never reach the office's pages.
    assert edu.get(reverse("repair:queue")).status_code == 403
    assert edu.post(reverse("repair:case_conclude", args=["objection", objection.pk])).status_code == 403


def test_case_file_is_an_attachment_with_nosniff_for_owner_and_office(world, objection) -> None:
    file = objection.files.get()
    for user in (world.citizen, world.credit_office):
        response = as_(user).get(reverse("repair:case_file", args=[file.pk]))
        assert response.status_code == 200
        assert response["Content-Disposition"].startswith("attachment")
        assert response["X-Content-Type-Options"] == "nosniff"
        assert b"".join(response.streaming_content) == PDF


def test_assigned_case_shows_why_another_officer_cannot_act(world, objection, officer2) -> None:
    services.assign_case(objection, officer=world.credit_office, by=world.credit_office)
    html = as_(officer2).get(reverse("repair:case", args=["objection", objection.pk])).content.decode()
    assert "only they or a supervisor can act on it" in html
    assert reverse("repair:case_accept", args=["objection", objection.pk]) not in html
    response = as_(officer2).post(reverse("repair:case_accept", args=["objection", objection.pk]))
    assert response.status_code == 403
    objection.refresh_from_db()
    assert objection.state == Objection.State.SUBMITTED


# --- citizen pages ---------------------------------------------------------------------------


def test_my_repair_lists_records_with_eligibility(world, record) -> None:
    html = as_(world.citizen).get(reverse("repair:my_repair")).content.decode()
    assert record.title in html
    assert "The minimum display period has not run out yet" in html or "Can be repaired now" in html
    assert reverse("repair:objection_new", args=[record.pk]) in html


def test_objection_form_empty_shows_errors_and_files_nothing(world, record) -> None:
    client = as_(world.citizen)
    response = client.post(reverse("repair:objection_new", args=[record.pk]), {"reasons": ""})
    assert_error_page(response, "Say what is wrong with the record")
    assert not Objection.objects.exists()


def test_objection_with_a_bad_file_is_refused_and_keeps_the_text(world, record) -> None:
    client = as_(world.citizen)
    fake = SimpleUploadedFile("evil.pdf", b"<html>not a pdf</html>", content_type="application/pdf")
    response = client.post(reverse("repair:objection_new", args=[record.pk]), {"reasons": "错了", "evidence": fake})
    assert_error_page(response, "The file must be a PDF, PNG or JPEG document.")
    assert "错了" in response.content.decode()
    assert not Objection.objects.exists()


def test_objection_through_check_your_answers_to_confirmation(world, record) -> None:
    client = as_(world.citizen)
    response = client.post(reverse("repair:objection_new", args=[record.pk]),
                           {"reasons": "处罚日期有误", "evidence": pdf("receipt.pdf")})
    assert response.status_code == 302
    check = client.get(response["Location"])
    assert "处罚日期有误" in check.content.decode()
    assert "receipt.pdf" in check.content.decode()
    assert not Objection.objects.exists()  # nothing before the confirmation
    response = client.post(reverse("repair:objection_check", args=[record.pk]))
    case = Objection.objects.get()
    assert response["Location"] == reverse("repair:filed", args=["objection", case.pk])
    page = client.get(response["Location"]).content.decode()
    assert case.reference in page
    assert "What happens next" in page
    assert case.files.get().original_name == "receipt.pdf"
    record.refresh_from_db()
    assert record.under_objection
    # The second objection is refused on the check page, nothing changed.
    client.post(reverse("repair:objection_new", args=[record.pk]), {"reasons": "再次"})
    response = client.post(reverse("repair:objection_check", args=[record.pk]))
    assert_error_page(response, "There is already an open objection to this record.")
    assert Objection.objects.count() == 1


def test_repair_application_flow_and_bad_input(world) -> None:
    record = publish(world, severity=CreditRecord.Severity.MINOR, **lately())
    client = as_(world.citizen)
    url = reverse("repair:repair_new", args=[record.pk])
    response = client.post(url, {"fulfilment": ""})
    assert_error_page(response, "Say how you fulfilled the obligations", "Add proof that the obligations are fulfilled")
    response = client.post(url, {"fulfilment": "罚款已缴清", "proof": pdf("paid.pdf"), "extra_actions": "志愿服务"})
    assert response.status_code == 302
    check = client.get(response["Location"]).content.decode()
    assert "I, 测试甲, have fulfilled every obligation" in check
    # Without confirming the commitment: refused, nothing filed.
    response = client.post(reverse("repair:repair_check", args=[record.pk]), {})
    assert_error_page(response, "Confirm the credit commitment")
    assert not RepairApplication.objects.exists()
    response = client.post(reverse("repair:repair_check", args=[record.pk]), {"confirm": "on"})
    case = RepairApplication.objects.get()
    assert response["Location"] == reverse("repair:filed", args=["application", case.pk])
    assert case.files.get().kind == "fulfilment"
    assert case.extra_actions == "志愿服务"
    # Concluded, its page says nothing of a corrected record's display (a repair corrects nothing).
    services.accept_repair(case, by=world.credit_office)
    services.decide_repair(RepairApplication.objects.get(), by=world.credit_office, approve=True, reason="已履行")
    page = as_(world.credit_office).get(reverse("repair:concluded", args=["application", case.pk]))
    assert page.status_code == 200
    assert "display period" not in page.content.decode()


def test_repair_before_the_minimum_period_shows_when(world) -> None:
    record = publish(world, severity=CreditRecord.Severity.GENERAL, decided_on=date.today())
    client = as_(world.citizen)
    html = client.get(reverse("repair:repair_new", args=[record.pk])).content.decode()
    assert "The minimum display period has not run out yet" in html
    client.post(reverse("repair:repair_new", args=[record.pk]), {"fulfilment": "x", "proof": pdf()})
    assert not RepairApplication.objects.exists()


def test_rating_requires_comment_when_poor_and_only_when_finished(world, objection) -> None:
    client = as_(world.citizen)
    url = reverse("repair:rate", args=["objection", objection.pk])
    response = client.post(url, {"score": "4"})
    assert_error_page(response, "You can rate a case once it is finished.")
    services.refuse_objection(objection, by=world.credit_office, reason="理由不足")
    assert_error_page(client.post(url, {}), "Choose a rating")
    assert_error_page(client.post(url, {"score": "1"}), "Tell us what went wrong")
    assert not Rating.objects.exists()
    response = client.post(url, {"score": "1", "comment": "太慢"})
    assert response.status_code == 302
    rating = Rating.objects.get()
    assert rating.needs_follow_up
    office = as_(world.credit_office)
    assert objection.reference in office.get(reverse("repair:ratings")).content.decode()
    assert_error_page(office.post(reverse("repair:rating_follow_up", args=[rating.pk]), {"note": ""}), "Say what was done")
    office.post(reverse("repair:rating_follow_up", args=[rating.pk]), {"note": "已回访"})
    rating.refresh_from_db()
    assert rating.followed_up_at is not None


# --- office and department -------------------------------------------------------------------


def test_queue_marks_overdue_with_text(world, objection) -> None:
    Objection.objects.filter(pk=objection.pk).update(accept_due=date(2026, 1, 5))
    html = as_(world.credit_office).get(reverse("repair:queue")).content.decode()
    assert objection.reference in html
    assert "govuk-tag--red\">Overdue</strong>" in html


def test_the_person_reads_a_passed_deadline_as_the_handlers_delay(world, objection) -> None:
    # The person who objected must not read "overdue" as a deadline of their own that
    # they missed: to them the tag names the handling, and a line says whose delay it is.
    Objection.objects.filter(pk=objection.pk).update(accept_due=date(2026, 1, 5))
    citizen = Client(HTTP_ACCEPT_LANGUAGE="zh-Hans")
    citizen.force_login(world.citizen)
    for url in (reverse("repair:my_repair"), reverse("repair:my_case", args=["objection", objection.pk])):
        html = citizen.get(url).content.decode()
        assert objection.reference in html
        assert '<strong class="govuk-tag govuk-tag--red">办理已超期</strong>' in html, url
        assert "延误在办理方，不在您。" in html, url
        assert "已超期</strong>" not in html.replace("办理已超期</strong>", ""), url
    staff = Client(HTTP_ACCEPT_LANGUAGE="zh-Hans")
    staff.force_login(world.credit_office)
    html = staff.get(reverse("repair:case", args=["objection", objection.pk])).content.decode()
    assert '<strong class="govuk-tag govuk-tag--red">已超期</strong>' in html
    assert "延误在办理方" not in html
    # Within its deadline, neither the tag nor the line shows.
    Objection.objects.filter(pk=objection.pk).update(accept_due=date(2099, 1, 5))
    html = citizen.get(reverse("repair:my_repair")).content.decode()
    assert "办理已超期" not in html


def _current_in_case_menu(client: Client, url: str) -> list[str]:
    page = client.get(url).content.decode()
    start = page.index('<nav class="portal-subnav"')
    return re.findall(r'href="([^"]+)" aria-current="page"', page[start:page.index("</nav>", start)])


def test_case_menus_mark_the_page_the_person_is_on(world, objection) -> None:
    office = as_(world.credit_office)
    for name in ("repair:queue", "repair:ratings", "repair:closed_cases"):
        assert _current_in_case_menu(office, reverse(name)) == [reverse(name)], name
    assert _current_in_case_menu(office, reverse("repair:case", args=["objection", objection.pk])) == []


def test_refuse_needs_a_reason(world, objection) -> None:
    client = as_(world.credit_office)
    response = client.post(reverse("repair:case_refuse", args=["objection", objection.pk]), {"reason": "  "})
    assert_error_page(response, "Give the reason")
    objection.refresh_from_db()
    assert objection.state == Objection.State.SUBMITTED


def test_assign_form_errors_and_supervisor_assigns(world, objection, supervisor, officer2) -> None:
    client = as_(supervisor)
    url = reverse("repair:case_assign", args=["objection", objection.pk])
    response = client.post(url, {"officer": ""})
    assert response.status_code == 400
    assert "govuk-error-summary" in response.content.decode()
    client.post(url, {"officer": officer2.pk})
    objection.refresh_from_db()
    assert objection.assigned_to == officer2


def test_full_objection_through_the_pages(world, objection) -> None:
    office = as_(world.credit_office)
    office.post(reverse("repair:case_accept", args=["objection", objection.pk]))
    objection.refresh_from_db()
    assert objection.state == Objection.State.VERIFYING
    dept = as_(world.edu_clerk)
    url = reverse("repair:draft_answer", args=[objection.pk])
    assert_error_page(dept.post(url, {}), "Choose what should happen to the record", "Give the findings")
    assert_error_page(dept.post(url, {"proposal": "correct", "reason": "核实有误"}), "change at least one field")
    objection.refresh_from_db()
    assert objection.state == Objection.State.VERIFYING
    dept.post(url, {"proposal": "correct", "reason": "核实有误", "title": "违规有偿补课（更正）"})
    objection.refresh_from_db()
    assert objection.state == Objection.State.VERIFYING  # drafted, not yet signed
    as_(world.edu_reviewer).post(reverse("repair:sign_answer", args=[objection.pk]))
    objection.refresh_from_db()
    assert objection.state == Objection.State.PROPOSED
    conclude = reverse("repair:case_conclude", args=["objection", objection.pk])
    assert_error_page(office.post(conclude, {"decision": "correct", "reason": ""}), "Write the answer")
    check = office.post(conclude, {"decision": "correct", "reason": "予以更正"})
    assert "Check your answers before concluding" in check.content.decode()
    objection.refresh_from_db()
    assert objection.state == Objection.State.PROPOSED  # nothing until confirmed
    response = office.post(conclude, {"decision": "correct", "reason": "予以更正", "confirmed": "1"})
    assert response["Location"] == reverse("repair:concluded", args=["objection", objection.pk])
    objection.refresh_from_db()
    assert objection.state == Objection.State.UPHELD
    current = CreditRecord.objects.get(lineage=objection.record.lineage, is_current=True)
    assert current.title == "违规有偿补课（更正）"
    assert not current.under_objection
    assert OutboxEvent.objects.filter(event_type="objection.concluded").exists()
    # Acting after the conclusion: refused, nothing changed.
    response = office.post(conclude, {"decision": "keep", "reason": "再次", "confirmed": "1"})
    assert_error_page(response, "already concluded")
    citizen_page = as_(world.citizen).get(reverse("repair:my_case", args=["objection", objection.pk])).content.decode()
    assert "upheld" in citizen_page.lower()


def test_concluded_page_says_when_the_corrected_record_is_already_past_its_display(world, objection) -> None:
    """The correction moves the decision back 500 days, past the general tier's 12 months
    of display: the corrected version ends at once (``records.common.expire_if_over``), and
    the concluded page says so instead of leaving the officer to think it is on display."""
    services.accept_objection(objection, by=world.credit_office)
    objection.refresh_from_db()
    answer(world, objection, proposal="correct", reason="决定日期有误", changes=lately(500))
    office = as_(world.credit_office)
    conclude = reverse("repair:case_conclude", args=["objection", objection.pk])
    response = office.post(conclude, {"decision": "correct", "reason": "予以更正", "confirmed": "1"}, follow=True)
    current = CreditRecord.objects.get(lineage=objection.record.lineage, is_current=True)
    assert current.state == CreditRecord.State.EXPIRED
    assert response.redirect_chain[-1][0] == reverse("repair:concluded", args=["objection", objection.pk])
    assert (f"The corrected record's display period, counted from its decision date, ended on "
            f"{current.display_until.isoformat()}") in response.content.decode()


def test_concluded_page_says_nothing_of_display_when_the_corrected_record_is_on_display(world, objection) -> None:
    services.accept_objection(objection, by=world.credit_office)
    objection.refresh_from_db()
    answer(world, objection, proposal="correct", reason="文号有误", changes={"decision_number": "新号"})
    office = as_(world.credit_office)
    conclude = reverse("repair:case_conclude", args=["objection", objection.pk])
    response = office.post(conclude, {"decision": "correct", "reason": "予以更正", "confirmed": "1"}, follow=True)
    assert CreditRecord.objects.get(lineage=objection.record.lineage, is_current=True).state == "published"
    assert "display period" not in response.content.decode()


def test_unverifiable_then_personal_statement(world, objection) -> None:
    services.accept_objection(objection, by=world.credit_office)
    answer(world, objection, proposal="unverifiable", reason="档案缺失")
    services.conclude_objection(objection, by=world.credit_office, reason="无法核实")
    client = as_(world.citizen)
    url = reverse("repair:statement_new", args=[objection.pk])
    assert_error_page(client.post(url, {"text": ""}), "Enter your statement")
    client.post(url, {"text": "本人从未在校外补课。"})
    html = as_(world.edu_reviewer).get(reverse("repair:case", args=["objection", objection.pk])).content.decode()
    assert "本人从未在校外补课。" in html
