"""The platform's receiving endpoint: signature, replay window, schema, exactly-once ledger."""

from __future__ import annotations

import json
from datetime import datetime

import pytest

from credit_portal.crypto import sm3_hexdigest
from exchange.models import PlatformLedgerEntry
from exchange.signing import canonical_json, sign
from tests.exchange.conftest import envelope, now_ts, receipts, record_payload, signed_post

pytestmark = pytest.mark.django_db


def test_batch_is_stored_once_and_each_event_gets_a_receipt(client):
    events = [envelope(), envelope()]
    response = signed_post(client, events)
    assert response.status_code == 200
    assert [r["status"] for r in receipts(response)] == ["accepted", "accepted"]
    assert [r["idempotency_key"] for r in receipts(response)] == [e["idempotency_key"] for e in events]
    entry = PlatformLedgerEntry.objects.get(idempotency_key=events[0]["idempotency_key"])
    assert entry.event_type == "record.published"
    assert entry.payload == events[0]["payload"]
    assert entry.source == "test"


def test_repeated_event_is_acknowledged_again_and_changes_nothing(client):
    first = envelope()
    signed_post(client, [first])
    before = list(PlatformLedgerEntry.objects.values_list("id", "received_at", "payload"))
    response = signed_post(client, [first, envelope(), first])
    assert [r["status"] for r in receipts(response)] == ["duplicate", "accepted", "duplicate"]
    assert PlatformLedgerEntry.objects.count() == 2
    assert list(PlatformLedgerEntry.objects.filter(idempotency_key=first["idempotency_key"]).values_list(
        "id", "received_at", "payload")) == before


def test_reused_key_with_other_content_is_rejected(client):
    first = envelope()
    signed_post(client, [first])
    altered = {**first, "payload": record_payload(title="另一个标题")}
    (receipt,) = receipts(signed_post(client, [altered]))
    assert receipt["status"] == "rejected"
    assert "different event" in receipt["reason"]
    assert PlatformLedgerEntry.objects.get().payload["title"] == first["payload"]["title"]


def test_event_not_matching_the_schema_is_rejected_without_echoing_values(client):
    leaky = envelope(payload=record_payload(id_number="110105198506150011"))
    bad_type = envelope(event_type="record.deleted")
    good = envelope()
    result = receipts(signed_post(client, [leaky, bad_type, good]))
    assert [r["status"] for r in result] == ["rejected", "rejected", "accepted"]
    assert "id_number" in result[0]["reason"]
    assert "110105198506150011" not in json.dumps(result)
    assert PlatformLedgerEntry.objects.count() == 1


@pytest.mark.parametrize(
    ("offset", "reason"), [(-301, "stale timestamp"), (60, "timestamp in the future")]
)
def test_stale_or_future_timestamp_is_refused(client, offset, reason):
    response = signed_post(client, [envelope()], timestamp=now_ts() + offset)
    assert response.status_code == 401
    assert json.loads(response.content)["error"] == reason
    assert not PlatformLedgerEntry.objects.exists()


def test_wrong_key_tampered_body_and_missing_signature_are_refused(client):
    assert signed_post(client, [envelope()], key=b"another key of 32 bytes........").status_code == 401
    body = canonical_json({"schema_version": 1, "events": [envelope()]})
    from exchange.signing import SIGNATURE_HEADER, TIMESTAMP_HEADER, key_from_setting, sign

    headers = sign(body, key=key_from_setting("PLATFORM_SIGNING_KEY"))
    tampered = body.replace(b"general", b"serious")
    response = client.post("/exchange/receive/", data=tampered, content_type="application/json",
                           headers={TIMESTAMP_HEADER: headers[TIMESTAMP_HEADER], SIGNATURE_HEADER: headers[SIGNATURE_HEADER]})
    assert response.status_code == 401
    assert client.post("/exchange/receive/", data=body, content_type="application/json").status_code == 401
    assert not PlatformLedgerEntry.objects.exists()


def test_malformed_and_oversized_batches_are_refused(client, settings):
    assert signed_post(client, [], body=b"not json").status_code == 400
    assert signed_post(client, [], body=canonical_json({"schema_version": 2, "events": []})).status_code == 400
    settings.EXCHANGE_MAX_BATCH = 2
    assert signed_post(client, [envelope(), envelope(), envelope()]).status_code == 413
    assert not PlatformLedgerEntry.objects.exists()


def test_receiving_endpoint_only_takes_post(client):
    assert client.get("/exchange/receive/").status_code == 405


def test_canonical_form_and_signature_of_a_batch_are_those_of_the_contract():
    # Computed with the json.dumps(sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    # form the contract names (docs/exchange/README.md): a change of the canonical bytes
    # would change every signature and every ledger digest.
    batch = {"schema_version": 1, "source": "credit-portal:示范市",
             "events": [{"b": [1, "甲\u2028\"\\", 1.5, None, True], "a": {"y": None, "x": 10**20}}]}
    body = canonical_json(batch)
    assert body == (
        '{"events":[{"a":{"x":100000000000000000000,"y":null},"b":[1,"甲\u2028\\"\\\\",1.5,null,true]}],'
        '"schema_version":1,"source":"credit-portal:示范市"}'
    ).encode()
    assert sign(body, key=b"0123456789abcdef0123", timestamp=1800000000)["X-Exchange-Signature"] == (
        "hmac-sm3=5fdaf945b7874dab4e4ad5a3891bfa802de700d2a7c775aa2d8094a260e5e14c"
    )


def test_each_ledger_row_holds_the_event_and_the_digest_of_its_canonical_form(client):
    events = [envelope(occurred_at="2026-05-01T10:00:00.250000+08:00"), envelope(aggregate={"type": "x.y", "id": "7"})]
    assert [r["status"] for r in receipts(signed_post(client, events))] == ["accepted", "accepted"]
    for sent in events:
        entry = PlatformLedgerEntry.objects.get(idempotency_key=sent["idempotency_key"])
        assert (entry.event_type, entry.schema_version, entry.source) == (sent["event_type"], 1, "test")
        assert (entry.aggregate_type, entry.aggregate_id) == (sent["aggregate"]["type"], sent["aggregate"]["id"])
        assert entry.occurred_at == datetime.fromisoformat(sent["occurred_at"])
        assert entry.payload == sent["payload"]
        assert entry.digest == sm3_hexdigest(canonical_json(sent))


def test_keys_are_the_schemas_lower_case_uuids_and_one_key_is_one_event(client):
    # The receiver keys its work by the key's text (the schema's pattern pins the lower-case
    # form str(UUID) makes); the ledger stores the UUID. Another spelling is refused.
    event = envelope()
    upper = {**event, "idempotency_key": event["idempotency_key"].upper()}
    response = signed_post(client, [event, upper, event])
    assert [r["status"] for r in receipts(response)] == ["accepted", "rejected", "duplicate"]
    assert receipts(response)[1]["reason"].startswith("idempotency_key: ")
    assert [r["idempotency_key"] for r in receipts(response)] == [
        event["idempotency_key"], upper["idempotency_key"], event["idempotency_key"]
    ]
    entry = PlatformLedgerEntry.objects.get()
    assert str(entry.idempotency_key) == event["idempotency_key"]
    assert entry.digest == sm3_hexdigest(canonical_json(event))
    # Sent again with a new event: the stored one is a duplicate found in the ledger.
    other = envelope()
    assert [r["status"] for r in receipts(signed_post(client, [other, event]))] == ["accepted", "duplicate"]
    assert PlatformLedgerEntry.objects.count() == 2
