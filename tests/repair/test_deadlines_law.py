"""Deadlines as the law counts them, and the calendar they depend on.

《征信业管理条例》 art. 25: "受理异议的机构应当在收到异议之日起20日内进行核查和处理" –
the answer is due 20 days from FILING (receipt), not from acceptance; the last day
that is a holiday or rest day moves to the next working day (《民法典》 art. 203), a
make-up working day (调休上班) is a working day.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse

from archives.models import Notice
from credit_portal import workdays
from credit_portal.models import AuditEntry, CalendarDay
from repair import selectors, services
from repair.models import DeadlineRule, Objection
from tests.repair.conftest import english_client

TZ = ZoneInfo("Asia/Shanghai")
pytestmark = pytest.mark.django_db


def at(day: date, hour: int = 10) -> time_machine.travel:
    return time_machine.travel(datetime(day.year, day.month, day.day, hour, 0, tzinfo=TZ), tick=False)


@pytest.fixture
def national_day_2025(db) -> None:
    # 国务院办公厅关于2025年部分节假日安排的通知: 10月1日至8日放假调休，9月28日（周日）、10月11日（周六）上班。
    for d in range(1, 9):
        CalendarDay.objects.update_or_create(date=date(2025, 10, d), defaults={"kind": "holiday", "name": "国庆节"})
    for day in (date(2025, 9, 28), date(2025, 10, 11)):
        CalendarDay.objects.update_or_create(date=day, defaults={"kind": "workday", "name": "国庆节"})
    workdays.clear_cache()


def _file(record, world, day: date, accept_on: date | None = None) -> Objection:
    with at(day):
        objection = services.file_objection(record, by=world.citizen, reasons="日期有误")
    if accept_on is not None:
        with at(accept_on):
            objection = services.accept_objection(objection, by=world.credit_office)
    return objection


def _overdue_on(case: Objection, day: date, user) -> bool:
    with at(day):
        stage = "objection_verifying" if case.accepted_at else "objection_submitted"
        [row] = [c for c in selectors.queue(user)[stage].cases if c.pk == case.pk]
        return row.overdue


def test_the_answer_is_due_20_days_from_filing_not_from_acceptance(national_day_2025, links, record, world) -> None:
    # Filed Mon 1 Sep 2025: +20 = Sun 21 Sep, a rest day → Mon 22 Sep. Accepted on Wed 3 Sep:
    # counting from the acceptance would give 23 Sep.
    objection = _file(record, world, date(2025, 9, 1), accept_on=date(2025, 9, 3))
    assert objection.decide_due == date(2025, 9, 22)
    assert _overdue_on(objection, date(2025, 9, 21), world.credit_office) is False  # the day before
    assert _overdue_on(objection, date(2025, 9, 22), world.credit_office) is False  # the day itself
    assert _overdue_on(objection, date(2025, 9, 23), world.credit_office) is True  # the day after


def test_a_last_day_in_the_national_day_holiday_moves_past_it(national_day_2025, links, record, world) -> None:
    # Filed Thu 11 Sep: +20 = Wed 1 Oct, a holiday (1–8 Oct) → Thu 9 Oct.
    objection = _file(record, world, date(2025, 9, 11), accept_on=date(2025, 9, 12))
    assert objection.decide_due == date(2025, 10, 9)
    assert _overdue_on(objection, date(2025, 10, 8), world.credit_office) is False
    assert _overdue_on(objection, date(2025, 10, 9), world.credit_office) is False
    assert _overdue_on(objection, date(2025, 10, 10), world.credit_office) is True


def test_a_last_day_on_a_make_up_working_day_stays(national_day_2025, links, record, world) -> None:
    # Filed Sun 21 Sep: +20 = Sat 11 Oct, a make-up working day: the answer is due that Saturday.
    objection = _file(record, world, date(2025, 9, 21), accept_on=date(2025, 9, 22))
    assert objection.decide_due == date(2025, 10, 11)
    # Acceptance within 2 working days of Sun 21 Sep: Mon 22, Tue 23.
    assert objection.accept_due == date(2025, 9, 23)
    assert _overdue_on(objection, date(2025, 10, 11), world.credit_office) is False
    assert _overdue_on(objection, date(2025, 10, 12), world.credit_office) is True


def test_acceptance_across_the_make_up_sunday(national_day_2025, links, record, world) -> None:
    # Filed Fri 26 Sep: Sun 28 Sep is worked, so the 2 working days are Sun 28 and Mon 29.
    objection = _file(record, world, date(2025, 9, 26))
    assert objection.accept_due == date(2025, 9, 29)
    assert _overdue_on(objection, date(2025, 9, 28), world.credit_office) is False
    assert _overdue_on(objection, date(2025, 9, 29), world.credit_office) is False
    assert _overdue_on(objection, date(2025, 9, 30), world.credit_office) is True


def test_each_rule_states_its_starting_event_and_source(db) -> None:
    conclude = DeadlineRule.objects.get(key=DeadlineRule.Key.OBJECTION_CONCLUDE)
    assert (conclude.days, conclude.unit, conclude.starts_from) == (20, "calendar", "filed")
    assert "收到异议之日起20日内" in conclude.source
    decide = DeadlineRule.objects.get(key=DeadlineRule.Key.REPAIR_DECIDE)
    assert decide.starts_from == "accepted"
    assert all(rule.source.strip() for rule in DeadlineRule.objects.all())


def test_a_rule_without_a_source_is_refused(db, client, world) -> None:
    rule = DeadlineRule.objects.get(key=DeadlineRule.Key.OBJECTION_ACCEPT)
    rule.source = "  "
    with pytest.raises(ValidationError) as excinfo:
        rule.full_clean()
    assert "source" in excinfo.value.error_dict
    with pytest.raises(IntegrityError), transaction.atomic():
        DeadlineRule.objects.filter(pk=rule.pk).update(source="")
    admin = world.credit_office
    admin.is_superuser = admin.is_staff = True
    admin.save()
    client = english_client(admin)
    response = client.post(reverse("admin:repair_deadlinerule_change", args=[rule.pk]), {
        "key": rule.key, "days": "5", "unit": "working", "starts_from": "filed", "source": "",
    })
    assert response.status_code == 200
    rule.refresh_from_db()
    assert (rule.days, bool(rule.source)) == (2, True)


# --- the calendar's coverage -------------------------------------------------------------------

def test_warning_from_1_october_when_next_year_is_missing(client, links, world) -> None:
    from credit_portal.workdays import check_calendar

    assert not CalendarDay.objects.filter(date__year=2027).exists()
    workdays.clear_cache()
    with at(date(2026, 9, 30)):
        assert workdays.missing_years(date(2026, 9, 30)) == []
        assert check_calendar() == []
        assert "warnings" not in client.get("/healthz").json()
        assert 'id="calendar-warning"' not in english_client(world.credit_office).get(reverse("repair:queue")).content.decode()
    with at(date(2026, 10, 1)):
        [warning] = check_calendar()
        assert warning.id == "credit_portal.W120"
        assert "2027" in warning.msg
        body = client.get("/healthz").json()
        assert body["status"] == "ok"
        assert "2027" in body["warnings"]["calendar"]
        page = english_client(world.credit_office).get(reverse("repair:queue")).content.decode()
        assert 'id="calendar-warning"' in page
        assert "2027" in page


NOTICE_2027 = {
    "year": "2027",
    "source": "国务院办公厅关于2027年部分节假日安排的通知（测试）",
    "holidays": "元旦：2027-01-01\n春节 2027-02-06至2027-02-12\n国庆节 ２０２７年１０月１日至２０２７年１０月７日",
    "workdays": "春节 2027-02-14\n国庆节 2027-09-26",
}


def test_entering_a_year_in_one_admin_form(client, links, record, world) -> None:
    office = world.credit_office
    office.is_staff = True
    office.save()
    client = english_client(office)
    url = reverse("admin:credit_portal_calendarday_enter_year")
    assert "Enter a year" in client.get(reverse("admin:credit_portal_calendarday_changelist")).content.decode()
    bad = {**NOTICE_2027, "workdays": "春节 2027-02-15"}  # a Monday
    assert "is a weekday" in client.post(url, bad).content.decode()
    bad = {**NOTICE_2027, "holidays": "元旦 2026-12-31"}
    assert "is not in the year entered" in client.post(url, bad).content.decode()
    bad = {**NOTICE_2027, "holidays": "元旦 明天"}
    assert "Line 1" in client.post(url, bad).content.decode()
    assert not CalendarDay.objects.filter(date__year=2027).exists()
    with at(date(2026, 10, 1)):
        response = client.post(url, NOTICE_2027)
        assert response.status_code == 302
        assert workdays.missing_years(date(2026, 10, 1)) == []
    assert CalendarDay.objects.get(date=date(2027, 2, 14)).kind == CalendarDay.Kind.WORKDAY
    assert CalendarDay.objects.get(date=date(2027, 10, 1)).kind == CalendarDay.Kind.HOLIDAY
    assert not CalendarDay.objects.filter(date=date(2027, 2, 6)).exists()  # a Saturday: a rest day anyway
    assert workdays.add_working_days(date(2027, 2, 5), 1) == date(2027, 2, 14)  # the make-up Sunday
    entry = AuditEntry.objects.get(action="credit_portal.calendar.year_entered")
    assert entry.detail["year"] == 2027
    assert entry.actor_id == office.pk
    clerk = world.edu_clerk
    clerk.is_staff = True
    clerk.save()
    assert english_client(clerk).get(url).status_code == 403


def test_a_deadline_beyond_the_calendar_is_provisional_on_every_page(linked_citizen, record, world) -> None:
    # Filed Sun 20 Dec 2026: +20 = Sat 9 Jan 2027, past the calendar (2027 not entered).
    objection = _file(record, world, date(2026, 12, 20), accept_on=date(2026, 12, 21))
    assert objection.decide_due == date(2027, 1, 11)
    with at(date(2026, 12, 22)):
        pages = {
            "case": english_client(world.credit_office).get(reverse("repair:case", args=["objection", objection.pk])),
            "queue": english_client(world.credit_office).get(reverse("repair:queue")),
            "department": english_client(world.edu_clerk).get(reverse("repair:department_queue")),
            "citizen case": english_client(world.citizen).get(reverse("repair:my_case", args=["objection", objection.pk])),
            "citizen list": english_client(world.citizen).get(reverse("repair:my_repair")),
        }
    for name, response in pages.items():
        html = response.content.decode()
        assert "2027-01-11" in html, name
        assert "provisional" in html, name
    accepted_notice = Notice.objects.filter(subject=world.subject, title__icontains="accepted").latest("pk")
    assert "2027-01-11 (provisional)" in accepted_notice.body
    CalendarDay.objects.create(date=date(2027, 1, 1), kind="holiday", name="元旦", source="test")
    html = english_client(world.credit_office).get(reverse("repair:case", args=["objection", objection.pk])).content
    assert b"provisional" not in html


def test_entering_a_year_counts_the_open_deadlines_in_it_again(links, record, world) -> None:
    """Until 2027's holidays are entered, periods running into it count Monday to Friday
    (provisional). Entering the notice counts them again: the office's deadlines take the
    official day; a window granted to the person is never shortened (a make-up Saturday
    would end it earlier) but is lengthened by a holiday."""
    from archives.listing.models import Listing
    from tests.listing.conftest import propose, serious

    # Wed 30 Dec 2026: accept within 2 working days = Fri 1 Jan 2027, counted Monday to Friday.
    objection = _file(record, world, date(2026, 12, 30))
    assert objection.accept_due == date(2027, 1, 1)
    # Mon 28 Dec 2026: 5 working days to state one's case = Mon 4 Jan 2027.
    with at(date(2026, 12, 28)):
        listing = propose(world, [serious(world, decision_number="示教罚〔2026〕41号")])
    assert listing.objection_due == date(2027, 1, 4)

    with at(date(2026, 12, 30)):
        workdays.enter_official_year(
            year=2027, holidays=[(date(2027, 1, 1), "元旦")], workdays=[(date(2027, 1, 2), "测试调休")],
            source="国务院办公厅关于2027年部分节假日安排的通知（测试）", by=world.credit_office,
        )
    objection.refresh_from_db()
    listing = Listing.objects.get(pk=listing.pk)
    # 1 Jan is a holiday, Sat 2 Jan a make-up working day: the office accepts by 2 Jan.
    assert objection.accept_due == date(2027, 1, 2)
    assert not workdays.is_provisional(objection.accept_due)
    # Counted again the window would end on Sat 2 Jan: the person keeps 4 Jan.
    assert listing.objection_due == date(2027, 1, 4)
    entry = AuditEntry.objects.get(action="credit_portal.calendar.year_entered")
    assert entry.detail["deadlines_moved"] == {
        "repair cases": [["repair.objection", objection.pk, "accept_due", "2027-01-01", "2027-01-02"]],
    }


def test_a_rule_changed_since_a_deadline_was_counted_is_not_applied_backwards(links, record, world) -> None:
    """Someone lengthens the answer's rule after a case was filed, then enters the year:
    the case keeps the day counted under the rule it was filed under (only what the
    calendar moves is moved), and the entry names nothing moved."""
    objection = _file(record, world, date(2026, 12, 30))
    assert objection.decide_due == date(2027, 1, 19)
    DeadlineRule.objects.update_or_create(
        key=DeadlineRule.Key.OBJECTION_CONCLUDE,
        defaults={"days": 60, "unit": DeadlineRule.Unit.CALENDAR, "starts_from": DeadlineRule.Start.FILED,
                  "source": "测试：延长"},
    )
    with at(date(2026, 12, 30)):
        workdays.enter_official_year(year=2027, holidays=[(date(2027, 1, 1), "元旦")], workdays=[],
                                     source="国务院办公厅关于2027年部分节假日安排的通知（测试）", by=world.credit_office)
    objection.refresh_from_db()
    assert objection.decide_due == date(2027, 1, 19)
    moved = AuditEntry.objects.get(action="credit_portal.calendar.year_entered").detail["deadlines_moved"]
    assert all(field != "decide_due" for _label, _pk, field, *_days in moved.get("repair cases", []))


def test_a_holiday_entered_lengthens_the_persons_window(links, record, world) -> None:
    from archives.listing.models import Listing
    from tests.listing.conftest import propose, serious

    with at(date(2026, 12, 28)):
        listing = propose(world, [serious(world, decision_number="示教罚〔2026〕42号")])
    assert listing.objection_due == date(2027, 1, 4)
    with at(date(2026, 12, 30)):
        workdays.enter_official_year(year=2027, holidays=[(date(2027, 1, 1), "元旦")], workdays=[],
                                     source="国务院办公厅关于2027年部分节假日安排的通知（测试）",
                                     by=world.credit_office)
    assert Listing.objects.get(pk=listing.pk).objection_due == date(2027, 1, 5)


def test_an_open_punishment_case_is_counted_again_too(links, record, world) -> None:
    """A listing published on Mon 21 Dec 2026 opens its case: the person corrects the
    conduct within 20 working days, each department answers within 10, both running
    into 2027; 1 January entered as a holiday moves both a day later."""
    from archives.listing.models import CaseMeasure, PunishmentCase
    from tests.listing.conftest import propose, publish, serious

    with at(date(2026, 12, 7)):
        listing = propose(world, [serious(world, decision_number="示教罚〔2026〕44号")])
    with at(date(2026, 12, 21)):
        publish(world, listing)
    case = PunishmentCase.objects.get(listing=listing)
    assert case.correction_due == date(2027, 1, 18)
    assert set(CaseMeasure.objects.filter(case=case).values_list("feedback_due", flat=True)) == {date(2027, 1, 4)}
    with at(date(2026, 12, 30)):
        workdays.enter_official_year(year=2027, holidays=[(date(2027, 1, 1), "元旦")], workdays=[],
                                     source="国务院办公厅关于2027年部分节假日安排的通知（测试）",
                                     by=world.credit_office)
    case.refresh_from_db()
    assert case.correction_due == date(2027, 1, 19)
    assert set(CaseMeasure.objects.filter(case=case).values_list("feedback_due", flat=True)) == {date(2027, 1, 5)}
