"""The procedure: proposal with its basis, the notice before listing, the objection
window in working days across a holiday, four eyes, the decision."""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError

from archives import services as archive_services
from archives.listing import selectors, services
from archives.listing.models import Listing, ListingBasis, ListingRule, PunishmentCase
from archives.models import CreditRecord, Notice
from credit_portal.exceptions import TransitionNotAllowed
from credit_portal.models import AuditEntry, SMSMessage
from departments.models import Membership
from exchange.models import OutboxEvent
from exchange.schema import envelope_for, problem
from tests import factories as f
from tests.archives.conftest import publish_negative
from tests.listing.conftest import propose, publish, serious

pytestmark = pytest.mark.django_db
TZ = ZoneInfo("Asia/Shanghai")


def _at(day: date) -> time_machine.travel:
    return time_machine.travel(day.isoformat() + " 10:00 +08:00", tick=False)


def test_proposal_notifies_the_person_with_reasons_basis_rights_and_deadline(world, record) -> None:
    listing = propose(world, [record])
    assert listing.state == Listing.State.PROPOSED
    notice = Notice.objects.get(subject=world.subject, kind=Notice.Kind.PRE_PUBLICATION, record=None)
    assert "伪造学历证明骗取教师资格" in notice.body  # reasons
    assert "《教师资格条例》第十九条" in notice.body  # basis
    assert "示教罚〔2026〕30号" in notice.body  # the record it rests on
    assert "state your case" in notice.body  # rights
    assert listing.objection_due.isoformat() in notice.body  # deadline
    assert AuditEntry.objects.filter(action="listing.listing.proposed").count() == 1
    assert list(listing.basis.values_list("lineage", flat=True)) == [record.lineage]
    assert SMSMessage.objects.filter(key=f"notice:{notice.pk}").exists()  # and by text message


def test_listing_without_basis_is_refused_and_nothing_is_written(world, record) -> None:
    with pytest.raises(ValidationError) as exc:
        propose(world, [])
    assert "at least one effective serious negative record" in str(exc.value.message_dict["records"])
    assert not Listing.objects.exists()
    assert not Notice.objects.filter(kind=Notice.Kind.PRE_PUBLICATION, record=None).exists()


@pytest.mark.parametrize("field", ["facts", "legal_basis"])
def test_facts_and_legal_basis_are_required(world, record, field) -> None:
    with pytest.raises(ValidationError) as exc:
        propose(world, [record], **{field: "  "})
    assert field in exc.value.message_dict
    assert not Listing.objects.exists()


def test_a_general_record_is_no_basis(world) -> None:
    general = publish_negative(world, title="一般违规")
    with pytest.raises(ValidationError) as exc:
        propose(world, [general])
    assert "effective serious negative records" in str(exc.value.message_dict["records"])
    assert not Listing.objects.exists()


def test_clerk_of_another_department_cannot_propose(world, record) -> None:
    with pytest.raises(PermissionDenied):
        propose(world, [record], by=world.health_clerk)
    assert not Listing.objects.exists()


def test_one_open_procedure_per_person_and_department(world, record) -> None:
    propose(world, [record])
    with pytest.raises(TransitionNotAllowed):
        propose(world, [record])
    assert Listing.objects.count() == 1


def test_clock_notice_window_decision_on_working_days_across_national_day(world) -> None:
    # 2026 National Day (国务院办公厅关于2026年部分节假日安排的通知): 1–7 October off, Saturday
    # 10 October a make-up working day. Notice on Wednesday 30 September; the 5 working
    # days are 8, 9, 10 (Saturday, worked), 12 and 13 October.
    with _at(date(2026, 9, 30)):
        record = serious(world)
        listing = propose(world, [record])
    assert listing.notified_on == date(2026, 9, 30)
    assert listing.objection_due == date(2026, 10, 13)
    with _at(date(2026, 10, 13)), pytest.raises(TransitionNotAllowed):
        publish(world, listing)  # the window's last day: too early
    assert Listing.objects.get(pk=listing.pk).state == Listing.State.PROPOSED
    with _at(date(2026, 10, 14)):
        published = publish(world, listing)
    assert published.state == Listing.State.PUBLISHED
    assert published.listed_from == date(2026, 10, 14)


def test_window_length_is_data_with_its_source(world, record) -> None:
    ListingRule.objects.create(key=ListingRule.Key.OBJECTION_WINDOW, value=10, unit=ListingRule.Unit.WORKING_DAYS,
                               source="本地规定")
    with _at(date(2026, 9, 30)):
        listing = propose(world, [record])
    assert listing.objection_due == date(2026, 10, 20)


def test_objection_within_the_window_then_answer_then_decision(world, record) -> None:
    with _at(date(2026, 9, 30)):
        listing = propose(world, [record])
    with _at(date(2026, 10, 13)):
        services.file_objection(listing, subject=world.subject, text="学历证明系学校出具，并非伪造。")
    with _at(date(2026, 10, 20)), pytest.raises(TransitionNotAllowed, match="Answer the person's statement"):
        publish(world, listing)
    with _at(date(2026, 10, 20)):
        services.answer_objection(listing, by=world.edu_clerk, answer="经核查，学校已出具说明该证明系伪造。")
        decided = services.decide_listing(listing, by=world.edu_reviewer, publish=False, reason="采纳陈述申辩。")
    assert decided.state == Listing.State.NOT_LISTED
    assert not PunishmentCase.objects.exists()
    assert not selectors.is_listed(world.subject)


def test_answered_objection_allows_a_decision_before_the_window_ends(world, record) -> None:
    with _at(date(2026, 9, 30)):
        listing = propose(world, [record])
        services.file_objection(listing, subject=world.subject, text="请求从轻。")
        services.answer_objection(listing, by=world.edu_reviewer2, answer="已考虑。")
        assert publish(world, listing).state == Listing.State.PUBLISHED


def test_objection_after_the_window_is_refused(world, record) -> None:
    with _at(date(2026, 9, 30)):
        listing = propose(world, [record])
    with _at(date(2026, 10, 14)), pytest.raises(TransitionNotAllowed):
        services.file_objection(listing, subject=world.subject, text="迟到的陈述。")
    assert Listing.objects.get(pk=listing.pk).objected_at is None


def test_only_the_person_concerned_objects(world, record) -> None:
    listing = propose(world, [record])
    other, _ = archive_services.find_or_create_subject(
        name="测试乙", id_number=f.make_id_number(seq=7), by=world.edu_clerk
    )
    with pytest.raises(PermissionDenied):
        services.file_objection(listing, subject=other, text="不是我。")
    assert Listing.objects.get(pk=listing.pk).objected_at is None


def test_the_proposer_cannot_decide_four_eyes(world, record) -> None:
    both = f.member(world.education, Membership.Role.CLERK, "edu_both")
    Membership.objects.create(user=both, department=world.education, role=Membership.Role.REVIEWER)
    with _at(date(2026, 9, 30)):
        listing = propose(world, [record], by=both)
    with _at(date(2026, 10, 14)):
        with pytest.raises(PermissionDenied, match="another reviewer"):
            services.decide_listing(listing, by=type(both).objects.get(pk=both.pk), publish=True, reason="同意。")
        assert Listing.objects.get(pk=listing.pk).state == Listing.State.PROPOSED
        with pytest.raises(PermissionDenied):
            services.decide_listing(listing, by=world.health_reviewer, publish=True, reason="同意。")
        assert publish(world, listing).decided_by == world.edu_reviewer


def test_publication_is_pushed_opens_the_case_and_reaches_the_public_list(world, record) -> None:
    with _at(date(2026, 9, 30)):
        listing = propose(world, [record])
    before = set(OutboxEvent.objects.values_list("pk", flat=True))
    with _at(date(2026, 10, 14)):
        listing = publish(world, listing)
        assert selectors.is_listed(world.subject)
        assert list(selectors.active_listings(subject_ids=[world.subject.pk])) == [listing]
        assert [entry.pk for entry in selectors.public_listings()] == [listing.pk]
    event = OutboxEvent.objects.exclude(pk__in=before).get(event_type="listing.published")
    assert problem(envelope_for(event)) is None
    assert event.payload["basis_lineages"] == [str(record.lineage)]
    assert event.payload["subject_index"] == world.subject.id_number_index
    assert world.subject.id_number not in str(event.payload)
    assert "伪造" not in str(event.payload)  # no free text travels
    # The period never outlasts the basis record's display (at most 3 years for serious information).
    assert listing.listed_until == min(date(2029, 10, 14), record.display_until)
    assert listing.case.state == PunishmentCase.State.OPEN
    assert listing.case.measures.count() >= 1


def test_decision_without_reasons_is_refused(world, record) -> None:
    with _at(date(2026, 9, 30)):
        listing = propose(world, [record])
    with _at(date(2026, 10, 14)), pytest.raises(ValidationError):
        services.decide_listing(listing, by=world.edu_reviewer, publish=True, reason=" ")
    assert Listing.objects.get(pk=listing.pk).state == Listing.State.PROPOSED


def test_minors_records_are_no_basis(world, record) -> None:
    CreditRecord.objects.filter(pk=record.pk).update(subject_was_minor=True)
    with pytest.raises(ValidationError):
        propose(world, [record])
    assert not ListingBasis.objects.exists()


def test_a_rule_without_a_source_is_refused(world) -> None:
    from django.db import IntegrityError, transaction

    with transaction.atomic(), pytest.raises(IntegrityError):
        ListingRule.objects.create(key=ListingRule.Key.FEEDBACK, value=5, unit=ListingRule.Unit.WORKING_DAYS, source="")
    rule = ListingRule(key=ListingRule.Key.FEEDBACK, value=5, unit=ListingRule.Unit.WORKING_DAYS, source="")
    with pytest.raises(ValidationError) as exc:
        rule.full_clean()
    assert "source" in exc.value.message_dict
    assert not ListingRule.objects.exists()


def test_the_statement_form_is_offered_exactly_when_the_service_would_take_it(world, record) -> None:
    """``permissions.can_object`` (what the person's page offers) agrees with
    ``file_objection`` (what it takes): another person, after the window, a second time."""
    from archives.listing import permissions

    other, _ = archive_services.find_or_create_subject(
        name="测试丙", id_number=f.make_id_number(seq=8), by=world.edu_clerk
    )
    with _at(date(2026, 9, 30)):
        listing = propose(world, [record])
    with _at(date(2026, 10, 13)):
        assert permissions.can_object(world.subject, listing)
        assert not permissions.can_object(other, listing)
    with _at(date(2026, 10, 14)):
        assert not permissions.can_object(world.subject, listing)  # the window ended
    with _at(date(2026, 10, 13)):
        services.file_objection(listing, subject=world.subject, text="学历证明系学校出具。")
        listing.refresh_from_db()
        assert not permissions.can_object(world.subject, listing)  # once
