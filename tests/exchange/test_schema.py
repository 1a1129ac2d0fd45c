"""Every payload the services emit conforms to docs/exchange/schema-v1.json."""

from __future__ import annotations

import uuid
from datetime import date

import pytest
import time_machine
from django.utils import timezone
from jsonschema import Draft202012Validator

from archives import services
from archives.models import AnnualFinding
from exchange import schema
from exchange.models import OutboxEvent
from tests.archives.conftest import draft_negative
from tests.exchange.conftest import SUBJECT_INDEX, envelope, record_payload, signed_post

pytestmark = pytest.mark.django_db


def test_schema_is_valid_draft_2020_12_and_names_every_event_type():
    Draft202012Validator.check_schema(schema.schema())
    assert set(schema.event_types()) == {
        "record.published", "record.corrected", "record.withdrawn", "record.repaired", "record.expired",
        "record.objection_flagged", "record.objection_cleared", "finding.signed", "objection.concluded",
        "repair.concluded", "objection.updated", "repair.updated", "authorization.granted", "authorization.revoked",
        "audit.anchored", "listing.published", "listing.removed", "level.changed", "punishment.updated",
        "record.purged", "record.versions_purged", "finding.purged", "level.history_purged", "subject.renamed",
    }


def test_every_event_the_archives_services_emit_conforms(world):
    with time_machine.travel(date(2026, 5, 1), tick=False):
        record = draft_negative(world)
        services.submit_record(record, by=world.edu_clerk)
        published = services.publish_record(record, by=world.edu_reviewer)
        services.set_objection_flag(published, flagged=True, by=world.credit_office)
        services.set_objection_flag(published, flagged=False, by=world.credit_office)
        change = services.propose_correction(published, by=world.edu_clerk, reason="文号有误", decision_number="示教罚〔2026〕13号")
        corrected = services.approve_change(change, by=world.edu_reviewer)
        services.mark_repaired(corrected, by=world.credit_office, reason="已履行并作出信用承诺")
        other = draft_negative(world, title="另一条")
        services.submit_record(other, by=world.edu_clerk)
        withdrawal = services.propose_withdrawal(services.publish_record(other, by=world.edu_reviewer), reason="依据被撤销",
                                                 by=world.edu_clerk)
        services.approve_change(withdrawal, by=world.edu_reviewer)
        third = draft_negative(world, title="第三条", severity="minor")
        services.submit_record(third, by=world.edu_clerk)
        services.publish_record(third, by=world.edu_reviewer)
        finding = services.draft_finding(world.archive, year=2025, status=AnnualFinding.Status.TRUSTWORTHY,
                                         basis="无不良记录", by=world.edu_clerk)
        services.sign_finding(finding, by=world.edu_reviewer)
    assert services.expire_records(today=date(2030, 1, 1)) >= 1
    events = list(OutboxEvent.objects.order_by("created_at"))
    assert {e.event_type for e in events} == {
        "record.published", "record.objection_flagged", "record.objection_cleared", "record.corrected",
        "record.repaired", "record.withdrawn", "record.expired", "finding.signed",
    }
    for event in events:
        assert schema.problem(schema.envelope_for(event)) is None, (event.event_type, schema.problem(schema.envelope_for(event)))
        assert "id_number" not in event.payload
        assert "phone" not in event.payload


def test_every_event_the_repair_services_emit_conforms(client, world):
    """Objections and repair applications through every step, with
    disclosure's real citizen link; the receiving endpoint accepts every one."""
    from disclosure.services.registration import link_citizen
    from repair import services as repair
    from tests.repair.conftest import answer, pdf, publish

    link_citizen(world.citizen, world.subject, by=world.credit_office)
    objection = repair.file_objection(publish(world), by=world.citizen, reasons="不是我", files=[pdf()])
    objection = repair.assign_case(objection, officer=world.credit_office, by=world.credit_office)
    objection = repair.accept_objection(objection, by=world.credit_office)
    objection = answer(world, objection, proposal="unverifiable", reason="材料缺失")
    objection = repair.conclude_objection(objection, by=world.credit_office, reason="无法核实")
    repair.add_personal_statement(objection, by=world.citizen, text="本人声明：当日在外地出差。")
    rating = repair.rate_case(objection, by=world.citizen, score=1, comment="太慢")
    repair.follow_up_rating(rating, by=world.credit_office, note="已回访")
    refused = repair.file_objection(publish(world, title="另一条"), by=world.citizen, reasons="不是我")
    repair.refuse_objection(refused, by=world.credit_office, reason="理由不成立")
    for title, approve in (("第三条", True), ("第四条", False), ("第五条", None)):
        application = repair.apply_for_repair(publish(world, title=title), by=world.citizen, fulfilment="已缴清",
                                              commitment_confirmed=True, proof=[pdf()])
        if approve is None:
            repair.refuse_repair(application, by=world.credit_office, reason="证明不足")
        else:
            repair.decide_repair(repair.accept_repair(application, by=world.credit_office), by=world.credit_office,
                                 approve=approve, reason="已履行")
    events = list(OutboxEvent.objects.filter(event_type__startswith="objection.") |
                  OutboxEvent.objects.filter(event_type__startswith="repair."))
    steps = {(e.event_type, e.payload.get("step") or e.payload["outcome"]) for e in events}
    assert steps == {
        ("objection.updated", step) for step in (
            "filed", "assigned", "accepted", "answer_drafted", "proposed", "concluded", "statement_added", "rated", "rating_followed_up",
            "refused",
        )
    } | {("objection.concluded", "unverifiable"), ("objection.concluded", "refused")} | {
        ("repair.updated", step) for step in ("filed", "accepted", "approved", "rejected", "refused")
    } | {("repair.concluded", outcome) for outcome in ("approved", "rejected", "refused")}
    for event in OutboxEvent.objects.all():
        assert schema.problem(schema.envelope_for(event)) is None, (event.event_type, schema.problem(schema.envelope_for(event)))
        assert world.subject.id_number not in str(event.payload)
    response = signed_post(client, [schema.envelope_for(event) for event in events])
    assert response.status_code == 200
    assert {receipt["status"] for receipt in response.json()["receipts"]} == {"accepted"}


def _subject() -> dict[str, str]:
    return {"subject_id": str(uuid.uuid4()), "subject_index": SUBJECT_INDEX}


@pytest.mark.parametrize(
    ("event_type", "payload"),
    [
        ("objection.concluded", {"objection_id": 7, "record_id": 3, "lineage": str(uuid.uuid4()), "outcome": "upheld",
                                 "result": "corrected", "concluded_at": "2026-05-02T10:00:00+08:00",
                                 "reason": "核实有误", "department": "education", **_subject()}),
        ("repair.concluded", {"application_id": "R-2026-1", "record_id": 3, "lineage": str(uuid.uuid4()),
                              "outcome": "approved", "concluded_at": "2026-05-02T10:00:00+08:00", "reason": "已履约",
                              "display_ended_on": "2026-05-02", **_subject()}),
        ("objection.updated", {"objection_id": 7, "reference": "YY-20260501-3F9A0C", "step": "accepted",
                               "state": "verifying", "record_id": 3, "lineage": str(uuid.uuid4()),
                               "accept_due": "2026-05-06", "decide_due": "2026-05-26",
                               "occurred_at": "2026-05-02T10:00:00+08:00", **_subject()}),
        ("repair.updated", {"application_id": 8, "reference": "XF-20260501-0A1B2C", "step": "filed",
                            "state": "submitted", "record_id": 3, "lineage": str(uuid.uuid4()),
                            "accept_due": "2026-05-06", "decide_due": None,
                            "occurred_at": "2026-05-01T10:00:00+08:00", **_subject()}),
        ("authorization.granted", {"authorization_id": 12, "grantee": "示范市某学校", "grantee_credit_code": None,
                                   "purpose": "招聘", "scope": {"occupations": ["teacher"], "categories": []},
                                   "valid_from": "2026-05-01T00:00:00+08:00", "valid_until": "2026-05-31T00:00:00+08:00",
                                   "max_uses": 3, "granted_at": "2026-05-01T09:00:00+08:00", **_subject()}),
        ("authorization.revoked", {"authorization_id": 12, "revoked_at": "2026-05-03T09:00:00+08:00", "reason": None,
                                   **_subject()}),
        ("audit.anchored", {"anchor_id": 3, "kind": "periodic", "sequence": 120, "head_hash": "a" * 64,
                            "anchored_at": "2026-05-03T09:00:00+08:00", "mac": "b" * 64}),
    ],
)
def test_schema_defines_the_events_of_later_apps(event_type, payload):
    assert schema.problem(envelope(event_type, payload)) is None
    with_code = {**payload, "code": "123456"} if event_type.startswith("authorization") else {**payload, "phone": "13800000000"}
    assert "unexpected field" in schema.problem(envelope(event_type, with_code))


@pytest.mark.parametrize(
    ("change", "where"),
    [
        ({"payload": record_payload(id_number="110105198506150011")}, "payload"),
        ({"payload": record_payload(severity="catastrophic")}, "payload/severity"),
        ({"payload": record_payload(subject_index="not-a-digest")}, "payload/subject_index"),
        ({"idempotency_key": "42"}, "idempotency_key"),
        ({"schema_version": 2}, "schema_version"),
    ],
)
def test_schema_refuses_malformed_events(change, where):
    problem = schema.problem(envelope(**change))
    assert problem is not None
    assert problem.startswith(where)


@pytest.mark.parametrize(
    ("event_type", "change", "where"),
    [
        ("objection.updated", {"step": "approved"}, "payload/step"),  # a repair step, not an objection's
        ("objection.updated", {"state": "accepted"}, "payload/state"),
        ("repair.updated", {"step": "statement_added"}, "payload/step"),
        ("repair.updated", {"subject_index": "110105198506150011"}, "payload/subject_index"),
        ("repair.updated", {"accept_due": None}, "payload/accept_due"),
    ],
)
def test_schema_refuses_case_updates_with_a_wrong_step_state_or_index(event_type, change, where):
    id_field = "objection_id" if event_type == "objection.updated" else "application_id"
    payload = {id_field: 7, "reference": "YY-20260501-3F9A0C", "step": "filed", "state": "submitted", "record_id": 3,
               "lineage": str(uuid.uuid4()), "accept_due": "2026-05-06", "decide_due": None,
               "occurred_at": "2026-05-01T10:00:00+08:00", **_subject()}
    assert schema.problem(envelope(event_type, payload)) is None
    problem = schema.problem(envelope(event_type, {**payload, **change}))
    assert problem is not None
    assert problem.startswith(where), problem


def test_envelope_of_an_outbox_event_carries_its_id_as_idempotency_key():
    event = OutboxEvent(event_type="record.published", aggregate_type="archives.creditrecord", aggregate_id="1",
                        payload=record_payload(), created_at=timezone.now())
    env = schema.envelope_for(event)
    assert env["idempotency_key"] == str(event.id)
    assert schema.problem(env) is None


def test_record_events_carry_the_source_type_and_old_events_stay_valid(world, client):
    """001 §三（五）: the platform learns which activity produced the information."""
    from archives.models import CreditRecord

    record = draft_negative(world, source_type=CreditRecord.SourceType.SPOT_CHECK)
    services.submit_record(record, by=world.edu_clerk)
    services.publish_record(record, by=world.edu_reviewer)
    unnamed = draft_negative(world, title="未写来源")
    services.submit_record(unnamed, by=world.edu_clerk)
    services.publish_record(unnamed, by=world.edu_reviewer)
    events = list(OutboxEvent.objects.filter(event_type="record.published").order_by("created_at"))
    assert [e.payload["source_type"] for e in events] == ["spot_check", None]
    for event in events:
        assert schema.problem(schema.envelope_for(event)) is None
    # Events sent before the field existed carry none and are still valid.
    old = envelope(payload=record_payload())
    assert "source_type" not in old["payload"]
    assert schema.problem(old) is None
    response = signed_post(client, [schema.envelope_for(e) for e in events] + [old])
    assert {receipt["status"] for receipt in response.json()["receipts"]} == {"accepted"}
    # The schema's list is the model's, and nothing else passes.
    field = schema.schema()["$defs"]["record"]["properties"]["source_type"]
    assert field["enum"] == [*CreditRecord.SourceType.values, None]
    assert schema.problem(envelope(payload=record_payload(source_type="rumour"))).startswith("payload/source_type")


def test_a_batch_is_checked_at_once_and_each_event_keeps_its_own_reason():
    good = [envelope(), envelope("record.withdrawn")]
    leaky = envelope(payload=record_payload(id_number="110105198506150011"))
    wrong_type = envelope(event_type="record.deleted")
    bad_date = envelope(occurred_at="2026-13-45T00:00:00+00:00")  # fails the date-time format only
    assert schema.problems(good) == [None, None]
    assert schema.problems([]) == []
    for bad in (leaky, wrong_type, bad_date, "not an object"):
        # One bad event among good ones is found by the one-call check of the batch.
        assert schema.problems([*good, bad])[2] is not None
    batch = [good[0], leaky, good[1], wrong_type, bad_date, "not an object"]
    assert schema.problems(batch) == [schema.problem(e) for e in batch]
    assert [p is None for p in schema.problems(batch)] == [True, False, True, False, False, False]


def test_a_repair_decided_with_a_long_written_answer_still_reaches_the_platform(client, world):
    """The credit office's answer to the person may run to 5,000 characters and becomes the
    repaired record's reason; the schema takes 2,000. The platform rejected the event for
    good, and kept showing as published a record the portal showed repaired."""
    from disclosure.services.registration import link_citizen
    from exchange.delivery import deliver_pending
    from exchange.models import PlatformLedgerEntry
    from repair import services as repair
    from tests.repair.conftest import pdf, publish

    link_citizen(world.citizen, world.subject, by=world.credit_office)
    record = publish(world)
    application = repair.apply_for_repair(record, by=world.citizen, fulfilment="已缴清", commitment_confirmed=True,
                                          proof=[pdf()])
    long_answer = "经核实，申请人已履行全部义务。" * 150  # 2,250 characters
    repair.decide_repair(repair.accept_repair(application, by=world.credit_office), by=world.credit_office,
                         approve=True, reason=long_answer)
    repaired = OutboxEvent.objects.get(event_type="record.repaired")
    assert schema.problem(schema.envelope_for(repaired)) is None
    assert len(repaired.payload["reason"]) == 2000
    assert repaired.payload["reason"].endswith("…")
    deliver_pending()
    repaired.refresh_from_db()
    assert repaired.state == OutboxEvent.State.DELIVERED
    assert PlatformLedgerEntry.objects.filter(event_type="record.repaired").exists()


def test_an_event_the_platform_would_reject_is_refused_with_the_change(world):
    """emit() checks the envelope as the platform will: the change and its event roll back
    together instead of the event failing for ever after the change is made."""
    from django.db import transaction

    from exchange.outbox import emit

    before = OutboxEvent.objects.count()
    with pytest.raises(ValueError, match="would be rejected"), transaction.atomic():
        emit("record.published", aggregate=("archives.creditrecord", "1"), payload={"id_number": "x"})
    assert OutboxEvent.objects.count() == before


def test_a_record_of_conduct_before_18_reaches_the_platform_without_who_or_what(world):
    """003 item 10 (protect minors): such a record is in no report, public list or level,
    yet its events sent the name, the title and the decision to the platform, which shares
    onwards. Now the platform learns the version and its state, not what it says; and
    when a correction shows the person was under 18, it drops what the lineage said."""
    from exchange.delivery import deliver_pending
    from exchange.models import PlatformLedgerEntry
    from tests.repair.conftest import publish

    record = publish(world)
    deliver_pending()
    published = PlatformLedgerEntry.objects.get(event_type="record.published")
    assert published.payload["name"] == world.subject.name  # an adult's record, as published
    corrected = services.correct_record(record, by=world.credit_office, reason="行为发生时未满18周岁。",
                                        occurred_on=date(1997, 6, 1))
    assert corrected.subject_was_minor
    event = OutboxEvent.objects.get(event_type="record.corrected")
    for field in ("subject_id", "subject_index", "name", "title", "decision_number", "deciding_body", "reason"):
        assert event.payload[field] is None, field
    assert (event.payload["state"], event.payload["subject_was_minor"]) == ("published", True)
    assert schema.problem(schema.envelope_for(event)) is None
    deliver_pending()
    assert OutboxEvent.objects.get(pk=event.pk).state == OutboxEvent.State.DELIVERED
    ledger = str(list(PlatformLedgerEntry.objects.values_list("payload", flat=True)))
    assert world.subject.name not in ledger
    assert record.title not in ledger


def test_the_schema_refuses_a_minors_record_that_names_the_person():
    payload = record_payload(subject_was_minor=True)
    assert payload.get("name")
    assert schema.problem(envelope("record.published", payload)) is not None


def test_a_name_changed_in_the_portal_reaches_the_platform(world):
    """Every record event names the person; a renamed person kept the old name against all
    of them on the platform, the portal showing the new one."""
    from exchange.delivery import deliver_pending
    from exchange.models import PlatformLedgerEntry

    services.update_subject(world.subject, by=world.edu_clerk, phone="13800000000")
    assert not OutboxEvent.objects.filter(event_type="subject.renamed").exists()  # no name changed
    services.update_subject(world.subject, by=world.edu_clerk, name="张新名")
    event = OutboxEvent.objects.get(event_type="subject.renamed")
    assert event.payload == {"subject_id": str(world.subject.pk), "subject_index": world.subject.id_number_index,
                             "name": "张新名"}
    deliver_pending()
    assert PlatformLedgerEntry.objects.get(event_type="subject.renamed").payload["name"] == "张新名"


@pytest.mark.parametrize("order", ["adult_first", "one_batch", "adult_late", "adult_late_in_a_batch"])
def test_the_platform_drops_the_versions_before_a_minors_version_whatever_the_order(client, order):
    """``adult_late``: the adult version was already claimed by a sender when the minor's
    version was written (the sender withholds only what it has not claimed), and arrives
    after it."""
    from exchange.models import PlatformLedgerEntry

    lineage, subject = str(uuid.uuid4()), _subject()
    adult = envelope("record.published", record_payload(lineage=lineage, version=1, **subject))
    minor = envelope("record.corrected", record_payload(
        lineage=lineage, version=2, record_id=2, supersedes=1, subject_was_minor=True, name=None, title=None,
        decision_number=None, deciding_body=None, subject_id=None, subject_index=None))
    later = envelope("record.corrected", record_payload(lineage=lineage, version=3, record_id=3, supersedes=2,
                                                        title="更正后的记录", **subject))
    batches = {"adult_first": [[adult], [minor], [later]], "one_batch": [[adult, minor, later]],
               "adult_late": [[minor], [later], [adult]], "adult_late_in_a_batch": [[minor], [later, adult]]}[order]
    for batch in batches:
        response = signed_post(client, batch)
        assert response.status_code == 200
        assert {receipt["status"] for receipt in response.json()["receipts"]} == {"accepted"}
    held = {entry.payload["version"]: entry.payload for entry in PlatformLedgerEntry.objects.all()}
    assert "title" not in held[1]
    assert "name" not in held[1]
    assert held[3]["title"] == "更正后的记录"  # a later version (an adult after all) keeps what it says


def test_a_case_event_naming_the_person_that_arrives_after_a_minors_version_is_dropped(client):
    from exchange.models import PlatformLedgerEntry

    lineage, subject = str(uuid.uuid4()), _subject()
    minor = envelope("record.corrected", record_payload(
        lineage=lineage, version=2, record_id=2, supersedes=1, subject_was_minor=True, name=None, title=None,
        decision_number=None, deciding_body=None, subject_id=None, subject_index=None))
    filed = envelope("objection.updated", {
        "objection_id": 7, "reference": "YY-20260501-3F9A0C", "step": "filed", "state": "submitted", "record_id": 1,
        "lineage": lineage, "accept_due": "2026-05-06", "decide_due": None,
        "occurred_at": "2026-05-01T10:00:00+08:00", **subject})
    other = envelope("objection.updated", {**filed["payload"], "lineage": str(uuid.uuid4())})
    for batch in ([minor], [filed, other]):
        assert {r["status"] for r in signed_post(client, batch).json()["receipts"]} == {"accepted"}
    held = {entry.idempotency_key: entry.payload for entry in PlatformLedgerEntry.objects.all()}
    assert "subject_id" not in held[uuid.UUID(filed["idempotency_key"])]
    assert held[uuid.UUID(other["idempotency_key"])]["subject_id"] == subject["subject_id"]  # another lineage


def test_a_case_on_a_later_adult_version_keeps_the_person_on_the_platform(client):
    """A correction showed the conduct was before 18 (version 2), a later one that the
    person was an adult after all (version 3): the sender names the person on version
    3's cases, and the platform keeps them, in whatever batch they come."""
    from exchange.models import PlatformLedgerEntry

    lineage, subject = str(uuid.uuid4()), _subject()
    minor = envelope("record.corrected", record_payload(
        lineage=lineage, version=2, record_id=2, supersedes=1, subject_was_minor=True, name=None, title=None,
        decision_number=None, deciding_body=None, subject_id=None, subject_index=None))
    adult = envelope("record.corrected", record_payload(lineage=lineage, version=3, record_id=3, supersedes=2,
                                                        **subject))
    case = {"objection_id": 7, "step": "filed", "state": "submitted", "lineage": lineage, "accept_due": "2026-05-06",
            "decide_due": None, "occurred_at": "2026-05-01T10:00:00+08:00", **subject}
    on_adult = envelope("objection.updated", {**case, "reference": "YY-20260501-3F9A0C", "record_id": 3})
    on_first = envelope("objection.updated", {**case, "reference": "YY-20260501-3F9A0D", "objection_id": 8,
                                              "record_id": 1})
    for batch in ([minor], [adult], [on_adult, on_first]):
        assert {r["status"] for r in signed_post(client, batch).json()["receipts"]} == {"accepted"}
    held = {entry.idempotency_key: entry.payload for entry in PlatformLedgerEntry.objects.all()}
    assert held[uuid.UUID(on_adult["idempotency_key"])]["subject_id"] == subject["subject_id"]
    assert "subject_id" not in held[uuid.UUID(on_first["idempotency_key"])]  # a case on the version before 18


def test_an_older_version_not_yet_delivered_is_never_sent_after_a_minors_version(world):
    """Delivery order is not guaranteed: the adult version, still retrying, would reach
    the platform after the version telling it to drop it, with the name and the title."""
    from exchange.services import requeue_failed
    from tests.repair.conftest import publish

    record = publish(world)  # not delivered
    # Its retries used up: failed, and so re-queueable by the credit office.
    OutboxEvent.objects.filter(event_type="record.published").update(state=OutboxEvent.State.FAILED)
    flagged = services.set_objection_flag(record, flagged=True, by=world.credit_office)  # pending
    services.correct_record(flagged, by=world.credit_office, reason="行为发生时未满18周岁。",
                            occurred_on=date(1997, 6, 1))
    for older in OutboxEvent.objects.filter(event_type__in=["record.published", "record.objection_flagged"]):
        assert older.state == OutboxEvent.State.FAILED
        assert "before the person was 18" in older.last_error
        assert "name" not in older.payload
        assert "title" not in older.payload
    assert requeue_failed(by=world.credit_office) == 0  # withheld, never re-queued


def test_a_case_concluded_on_a_record_of_conduct_before_18_sends_no_reason(world):
    """The conclusion is the text that becomes the record's reason, which a minor's record
    events never carry."""
    from types import SimpleNamespace

    from repair.services.common import conclusion_sent, minors_lineage
    from tests.repair.conftest import publish

    record = publish(world)
    case = SimpleNamespace(conclusion="经核实，行为发生时申请人未满十八周岁，予以更正。")
    assert conclusion_sent(case, minor=minors_lineage(record)) == case.conclusion
    services.correct_record(record, by=world.credit_office, reason="行为发生时未满18周岁。",
                            occurred_on=date(1997, 6, 1))
    # The old version passed: the lineage is now a minor's.
    assert conclusion_sent(case, minor=minors_lineage(record)) == ""


def test_a_case_on_a_minors_lineage_names_no_one_and_the_platform_drops_the_earlier_ones(client, world):
    """An objection's events carried the person's ids and the lineage: the platform could
    tie the lineage of a minor's record back to the person through them."""
    from disclosure.services.registration import link_citizen
    from exchange.delivery import deliver_pending
    from exchange.models import PlatformLedgerEntry
    from repair import services as repair
    from tests.repair.conftest import pdf, publish

    link_citizen(world.citizen, world.subject, by=world.credit_office)
    record = publish(world)
    objection = repair.file_objection(record, by=world.citizen, reasons="行为发生时我未满十八周岁", files=[pdf()])
    deliver_pending()
    filed = PlatformLedgerEntry.objects.get(event_type="objection.updated")
    assert filed.payload["subject_id"] == str(world.subject.pk)  # an adult's record, as filed
    current = record.__class__.objects.get(lineage=record.lineage, is_current=True)
    services.correct_record(current, by=world.credit_office, reason="行为发生时未满18周岁。",
                            occurred_on=date(1997, 6, 1))
    deliver_pending()
    filed.refresh_from_db()
    assert "subject_id" not in filed.payload
    assert "subject_index" not in filed.payload
    # A later step of the case names no one either.
    repair.assign_case(objection, officer=world.credit_office, by=world.credit_office)
    assigned = OutboxEvent.objects.get(event_type="objection.updated", payload__step="assigned")
    assert (assigned.payload["subject_id"], assigned.payload["subject_index"]) == (None, None)
