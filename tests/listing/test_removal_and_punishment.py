"""Exit from the list (period end, basis ended through the archives hook, by hand) and
joint punishment (feedback, overdue, corrected within the time limit)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError

from archives import services as archive_services
from archives.listing import selectors, services
from archives.listing.models import CaseMeasure, Listing, ListingBasis, Measure, PunishmentCase
from archives.listing.tasks import remove_ended_listings
from archives.models import CreditRecord
from credit_portal.exceptions import TransitionNotAllowed
from credit_portal.models import AuditEntry
from departments.models import Membership
from exchange.models import OutboxEvent
from exchange.schema import envelope_for, problem
from tests import factories as f
from tests.listing.conftest import propose, publish, serious

pytestmark = pytest.mark.django_db


def _at(day: date) -> time_machine.travel:
    return time_machine.travel(day.isoformat() + " 10:00 +08:00", tick=False)


@pytest.fixture
def listed(world) -> Listing:
    with _at(date(2026, 9, 30)):
        listing = propose(world, [serious(world)])
    with _at(date(2026, 10, 14)):
        return publish(world, listing)


def _removed_event(listing: Listing) -> dict:
    event = OutboxEvent.objects.get(event_type="listing.removed", aggregate_id=str(listing.pk))
    assert problem(envelope_for(event)) is None
    return event.payload


def test_period_end_removes_the_listing_in_the_daily_task(world, listed) -> None:
    with _at(listed.listed_until):
        assert remove_ended_listings() == 0  # the last day is still listed
    with _at(listed.listed_until + timedelta(days=1)):
        assert remove_ended_listings() == 1
        assert remove_ended_listings() == 0  # safe to run twice
        assert not selectors.is_listed(world.subject)
    listing = Listing.objects.get(pk=listed.pk)
    assert (listing.state, listing.removal) == (Listing.State.REMOVED, Listing.Removal.PERIOD_END)
    assert _removed_event(listing)["removal"] == "period_end"
    assert PunishmentCase.objects.get(listing=listing).state == PunishmentCase.State.CLOSED


def test_repair_of_the_basis_record_removes_the_listing(world, listed) -> None:
    record = listed.basis.get().record
    with _at(date(2026, 10, 20)):
        archive_services.mark_repaired(record, by=world.credit_office, reason="已履行义务并作出信用承诺。")
        assert not selectors.is_listed(world.subject)
        assert not selectors.public_listings().exists()
    listing = Listing.objects.get(pk=listed.pk)
    assert (listing.state, listing.removal) == (Listing.State.REMOVED, Listing.Removal.BASIS_ENDED)
    assert _removed_event(listing)["removal"] == "basis_ended"
    assert not CaseMeasure.objects.filter(case__listing=listing, state=CaseMeasure.State.PENDING).exists()
    assert AuditEntry.objects.filter(action="listing.listing.removed").count() == 1


def test_a_correction_that_stays_serious_keeps_the_listing(world, listed) -> None:
    record = listed.basis.get().record
    with _at(date(2026, 10, 20)):
        archive_services.correct_record(record, by=world.credit_office, reason="更正文号。",
                                        decision_number="示教罚〔2026〕31号")
    assert Listing.objects.get(pk=listed.pk).state == Listing.State.PUBLISHED
    assert not ListingBasis.objects.filter(listing=listed, ended=True).exists()


def test_a_correction_to_general_removes_the_listing(world, listed) -> None:
    record = listed.basis.get().record
    with _at(date(2026, 10, 20)):
        archive_services.correct_record(record, by=world.credit_office, reason="降为一般。",
                                        severity=CreditRecord.Severity.GENERAL)
    assert Listing.objects.get(pk=listed.pk).state == Listing.State.REMOVED


def test_a_correction_showing_the_person_was_a_minor_removes_the_listing(world, listed) -> None:
    """The person objects "I was 17" and the conduct date is corrected: the record stays
    serious, but a record from before the person was 18 is never on a public list (003
    item 10; DESIGN §3), so the listing resting on it leaves the list."""
    record = listed.basis.get().record
    with _at(date(2026, 10, 20)):
        corrected = archive_services.correct_record(record, by=world.credit_office, reason="行为发生时未满18周岁。",
                                                    occurred_on=date(1997, 6, 1))
    assert (corrected.severity, corrected.subject_was_minor) == (CreditRecord.Severity.SERIOUS, True)
    listing = Listing.objects.get(pk=listed.pk)
    assert (listing.state, listing.removal) == (Listing.State.REMOVED, Listing.Removal.BASIS_ENDED)


def test_withdrawal_of_the_basis_while_proposed_ends_the_procedure(world) -> None:
    record = serious(world)
    listing = propose(world, [record])
    archive_services.withdraw_record(record, by=world.credit_office, reason="异议成立。")
    listing.refresh_from_db()
    assert listing.state == Listing.State.NOT_LISTED
    assert not OutboxEvent.objects.filter(event_type__startswith="listing.").exists()


def test_a_listing_on_two_records_stays_while_one_is_in_effect(world) -> None:
    first, second = serious(world), serious(world, title="第二项严重失信", decision_number="示教罚〔2026〕40号")
    with _at(date(2026, 9, 30)):
        listing = propose(world, [first, second])
    with _at(date(2026, 10, 14)):
        publish(world, listing)
        archive_services.mark_repaired(first, by=world.credit_office, reason="已修复。")
        assert Listing.objects.get(pk=listing.pk).state == Listing.State.PUBLISHED
        archive_services.mark_repaired(second, by=world.credit_office, reason="已修复。")
        assert Listing.objects.get(pk=listing.pk).state == Listing.State.REMOVED


def test_the_public_list_names_only_the_basis_in_effect_as_published_now_and_flags_an_objection(
    world, client, django_capture_on_commit_callbacks,
) -> None:
    """Tried as the person a record harms: a listing on two records stays when one is
    repaired, but the repaired one ("已修复的记录……不予公示") is no longer named on the
    public list (nor to the person as in effect); a correction that keeps the other
    serious is shown with its corrected decision number; an objection to it is flagged."""
    # (The list's cached page follows the records' and listings' generations, advanced
    # on commit: every change here runs its on-commit callbacks.)
    with django_capture_on_commit_callbacks(execute=True):
        with _at(date(2026, 9, 20)):  # decided before the days this test moves to
            first = serious(world, title="伪造学历证明", decision_number="示教罚〔2026〕41号")
            second = serious(world, title="第二项严重失信", decision_number="示教罚〔2026〕40号")
        with _at(date(2026, 9, 30)):
            listing = propose(world, [first, second])
    with _at(date(2026, 10, 14)):
        with django_capture_on_commit_callbacks(execute=True):
            publish(world, listing)

        def shown() -> str:
            return client.get("/public/dishonesty/", HTTP_ACCEPT_LANGUAGE="zh-CN").content.decode()

        assert "伪造学历证明" in shown()
        with django_capture_on_commit_callbacks(execute=True):
            archive_services.mark_repaired(first, by=world.credit_office, reason="已修复。")
        assert Listing.objects.get(pk=listing.pk).state == Listing.State.PUBLISHED
        page = shown()
        assert "第二项严重失信" in page
        assert "伪造学历证明" not in page
        assert "示教罚〔2026〕41号" not in page

        with django_capture_on_commit_callbacks(execute=True):
            archive_services.correct_record(second, by=world.credit_office, reason="更正文号。",
                                            decision_number="示教罚〔2026〕42号")
        page = shown()
        assert "示教罚〔2026〕42号" in page
        assert "示教罚〔2026〕40号" not in page
        assert "异议处理中" not in page
        current = CreditRecord.objects.get(lineage=second.lineage, is_current=True)
        with django_capture_on_commit_callbacks(execute=True):
            archive_services.set_objection_flag(current, flagged=True, by=world.credit_office)
        assert "异议处理中" in shown()


def test_manual_removal_by_the_credit_office_with_a_reason(world, listed) -> None:
    with pytest.raises(PermissionDenied):
        services.remove_listing(listed, by=world.edu_reviewer, reason="部门请求。")
    with pytest.raises(ValidationError):
        services.remove_listing(listed, by=world.credit_office, reason="")
    assert Listing.objects.get(pk=listed.pk).state == Listing.State.PUBLISHED
    removed = services.remove_listing(listed, by=world.credit_office, reason="行政复议撤销原处罚决定。")
    assert (removed.removal, removed.removal_reason) == (Listing.Removal.MANUAL, "行政复议撤销原处罚决定。")
    assert _removed_event(removed)["removal"] == "manual"
    with pytest.raises(TransitionNotAllowed):
        services.remove_listing(removed, by=world.credit_office, reason="再次。")


# --- joint punishment ------------------------------------------------------------------------


def test_the_case_holds_the_catalogue_measures_with_their_basis(world, listed) -> None:
    case = listed.case
    expected = [m for m in Measure.objects.filter(is_active=True) if m.applies_to(listed.category)]
    assert expected
    assert sorted(case.measures.values_list("measure_id", flat=True)) == sorted(m.pk for m in expected)
    assert all(m.legal_basis for m in expected)
    # 10 working days from Wednesday 14 October 2026: 28 October.
    assert set(case.measures.values_list("feedback_due", flat=True)) == {date(2026, 10, 28)}


def test_feedback_by_the_responsible_department_only(world, listed) -> None:
    item = listed.case.measures.select_related("department").first()
    outsider = world.health_clerk if item.department != world.health else world.finance_clerk
    with pytest.raises(PermissionDenied):
        services.record_feedback(item, by=outsider, applied=True, feedback="已执行。")
    staff = f.member(item.department, Membership.Role.CLERK, "measure_clerk")
    with pytest.raises(ValidationError):
        services.record_feedback(item, by=staff, applied=True, feedback="")
    done = services.record_feedback(item, by=staff, applied=True, feedback="已在职称评审中限制。")
    assert done.state == CaseMeasure.State.APPLIED
    with pytest.raises(TransitionNotAllowed):
        services.record_feedback(item, by=staff, applied=True, feedback="再次。")


def test_overdue_feedback_shows_on_the_credit_office_overview(world, listed) -> None:
    items = list(listed.case.measures.select_related("department"))
    staff = f.member(items[0].department, Membership.Role.CLERK, "measure_clerk")
    services.record_feedback(items[0], by=staff, applied=True, feedback="已执行。")
    on_time = selectors.cases_visible_to(world.credit_office, today=date(2026, 10, 28)).get()
    assert (on_time.pending, on_time.overdue) == (len(items) - 1, 0)
    late = selectors.cases_visible_to(world.credit_office, today=date(2026, 10, 29)).get()
    assert (late.pending, late.overdue) == (len(items) - 1, len(items) - 1)
    # Department staff see only cases with a measure of theirs.
    assert selectors.cases_visible_to(staff).count() == 1
    assert selectors.cases_visible_to(world.audit_clerk).count() == 0


def test_corrected_within_the_time_limit_is_no_longer_a_target(world, listed) -> None:
    case = listed.case
    with _at(case.correction_due + timedelta(days=1)), pytest.raises(TransitionNotAllowed):
        services.mark_corrected(case, by=world.credit_office, outcome="已补正材料。")
    with _at(case.correction_due):
        with pytest.raises(PermissionDenied):
            services.mark_corrected(case, by=world.edu_reviewer, outcome="已补正材料。")
        done = services.mark_corrected(case, by=world.credit_office, outcome="已主动纠正并消除影响。")
    assert done.state == PunishmentCase.State.CORRECTED
    assert set(case.measures.values_list("state", flat=True)) == {CaseMeasure.State.LIFTED}
    assert AuditEntry.objects.filter(action="listing.case.corrected").exists()
