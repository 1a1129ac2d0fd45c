"""The department-system API: signed requests, idempotent upsert, submit, own records only."""

from __future__ import annotations

import json
import time
from datetime import date

import pytest
from django.urls import reverse

from archives.intake import signing
from archives.intake.systems import issue_system, revoke_system
from archives.models import CreditRecord
from tests import factories as f

pytestmark = pytest.mark.django_db
RECORDS = "/api/departments/v1/records/"


class System:
    def __init__(self, client, department) -> None:  # type: ignore[no-untyped-def]
        self.client = client
        self.model, self.key_id, self.secret = issue_system(department=department, name="业务系统", by=None)

    def call(self, method: str, path: str, body: object = None, *, raw: bytes | None = None, query: str = "",
             **sign_overrides: object):  # type: ignore[no-untyped-def]
        data = raw if raw is not None else (json.dumps(body, ensure_ascii=False).encode() if body is not None else b"")
        headers = signing.sign(method=method, path=path, body=data, key_id=self.key_id, secret=self.secret,
                               query=query, **sign_overrides)
        extra = {f"HTTP_{k.upper().replace('-', '_')}": v for k, v in headers.items()}
        url = f"{path}?{query}" if query else path
        if method == "GET":
            return self.client.get(url, **extra)
        return self.client.generic(method, url, data, content_type="application/json", **extra)


def item(seq: int, **overrides: object) -> dict[str, object]:
    data: dict[str, object] = {
        "external_id": f"EDU-{seq}", "name": f"接口{seq:03d}",
        "id_number": f.make_id_number(birth=date(1991, 2, 1 + seq % 28), seq=seq % 50, region="110107"),
        "employer": "示范市第二中学", "category": "violations", "polarity": "negative", "severity": "general",
        "title": f"违规{seq}", "decision_number": f"示教〔2026〕{seq}号", "deciding_body": "示范市教育局",
        **{name: day.isoformat() for name, day in f.lately(60).items()},  # on display whenever the suite runs
    }
    data.update(overrides)
    return data


@pytest.fixture
def edu(client, world):  # type: ignore[no-untyped-def]
    return System(client, world.education)


def push(system: System, items: list, *, submit: bool = False, occupation: str = "teacher"):  # type: ignore[no-untyped-def]
    return system.call("POST", RECORDS, {"occupation": occupation, "submit": submit, "items": items})


def test_bulk_upsert_is_idempotent_by_external_id(edu) -> None:
    first = push(edu, [item(1), item(2)])
    assert first.status_code == 200, first.content
    assert [r["status"] for r in first.json()["results"]] == ["created", "created"]
    again = push(edu, [item(1), item(2)])
    assert [r["status"] for r in again.json()["results"]] == ["unchanged", "unchanged"]
    assert CreditRecord.objects.filter(source=CreditRecord.Source.API).count() == 2
    changed = push(edu, [item(1, title="更正后的标题")])
    assert changed.json()["results"][0]["status"] == "updated"
    record = CreditRecord.objects.get(pk=changed.json()["results"][0]["record_id"])
    assert record.title == "更正后的标题"
    assert record.state == CreditRecord.State.DRAFT


def test_submit_then_changes_are_refused_and_four_eyes_holds(edu, world) -> None:
    from archives import services
    from tests.archives.conftest import pdf

    created = push(edu, [item(1)]).json()["results"][0]
    # Negative information is submitted only with its evidence: without it the answer is a row error.
    refused = edu.call("POST", RECORDS + "submit/", {"external_ids": ["EDU-1"]}).json()["results"][0]
    assert (refused["status"], refused["errors"][0]["code"]) == ("error", "invalid")
    services.attach_evidence(pdf(), by=world.edu_clerk, record=CreditRecord.objects.get(pk=created["record_id"]))
    submitted = edu.call("POST", RECORDS + "submit/", {"external_ids": ["EDU-1", "NOPE"]})
    statuses = [(r["status"], r["errors"][0]["code"] if r["errors"] else "") for r in submitted.json()["results"]]
    assert statuses == [("submitted", ""), ("error", "not_found")]
    locked = push(edu, [item(1, title="再改")]).json()["results"][0]
    assert locked["status"] == "error"
    assert locked["errors"][0]["code"] == "record_locked"
    from archives import services

    record = CreditRecord.objects.get(pk=locked["record_id"])
    published = services.publish_record(record, by=world.edu_reviewer)
    assert published.published_by == world.edu_reviewer
    assert published.created_by == edu.model.account


def test_item_errors_have_a_code_and_chinese_message_and_valid_items_are_written(edu) -> None:
    response = push(edu, [item(1), item(2, id_number=110105198506150011), item(3, severity=None), "junk"])
    results = response.json()["results"]
    assert [r["status"] for r in results] == ["created", "error", "error", "error"]
    assert results[1]["errors"][0] == {"code": "id_number_as_number", "field": "id_number",
                                       "message": "身份证号码以数字形式保存，已丢失数位：请将该列设为文本格式后重新填写。"}
    assert results[2]["errors"][0]["field"] == "severity"
    assert CreditRecord.objects.filter(source=CreditRecord.Source.API).count() == 1


@pytest.mark.parametrize(("tamper", "code"), [
    ({"timestamp": int(time.time()) - 3600}, "stale_timestamp"),
    ({"timestamp": int(time.time()) + 3600}, "stale_timestamp"),
    ({"nonce": "short"}, "bad_nonce"),
])
def test_stale_or_malformed_requests_are_refused(edu, tamper: dict, code: str) -> None:
    response = edu.call("POST", RECORDS, {"occupation": "teacher", "items": [item(1)]}, **tamper)
    assert response.status_code == 401
    assert response.json()["errors"][0]["code"] == code
    assert not CreditRecord.objects.filter(source=CreditRecord.Source.API).exists()


def test_bad_signature_is_refused(client, edu) -> None:
    body = json.dumps({"occupation": "teacher", "items": [item(1)]}).encode()
    headers = signing.sign(method="POST", path=RECORDS, body=body, key_id=edu.key_id, secret="wrong-secret")
    extra = {f"HTTP_{k.upper().replace('-', '_')}": v for k, v in headers.items()}
    response = client.post(RECORDS, body, content_type="application/json", **extra)
    assert response.status_code == 401
    assert response.json()["errors"][0]["code"] == "bad_signature"
    assert response.json()["errors"][0]["message"] == "签名与请求内容不符。"
    # The body changed after signing: also refused.
    response = client.post(RECORDS, body.replace(b"teacher", b"doctor!"), content_type="application/json", **extra)
    assert response.status_code == 401
    assert not CreditRecord.objects.filter(source=CreditRecord.Source.API).exists()


def test_replayed_request_is_refused(client, edu) -> None:
    body = json.dumps({"occupation": "teacher", "items": [item(1)]}).encode()
    headers = signing.sign(method="POST", path=RECORDS, body=body, key_id=edu.key_id, secret=edu.secret)
    extra = {f"HTTP_{k.upper().replace('-', '_')}": v for k, v in headers.items()}
    assert client.post(RECORDS, body, content_type="application/json", **extra).status_code == 200
    again = client.post(RECORDS, body, content_type="application/json", **extra)
    assert again.status_code == 401
    assert again.json()["errors"][0]["code"] == "replayed"
    assert CreditRecord.objects.filter(source=CreditRecord.Source.API).count() == 1


def test_unsigned_and_revoked_are_refused(client, edu) -> None:
    response = client.get(RECORDS)
    assert response.status_code == 401
    assert response.json()["errors"][0]["code"] == "unsigned"
    revoke_system(edu.model, by=None)
    assert edu.call("GET", RECORDS).json()["errors"][0]["code"] == "unknown_key"


def test_another_departments_external_id_is_not_found(client, world, edu) -> None:
    health = System(client, world.health)
    assert push(health, [item(9, external_id="SHARED-1")], occupation="doctor").json()["results"][0]["status"] == "created"
    assert edu.call("GET", RECORDS + "SHARED-1/").status_code == 404
    assert edu.call("GET", RECORDS + "SHARED-1/").json()["errors"][0]["code"] == "not_found"
    submit = edu.call("POST", RECORDS + "submit/", {"external_ids": ["SHARED-1"]}).json()["results"][0]
    assert submit["errors"][0]["code"] == "not_found"
    assert CreditRecord.objects.get(source=CreditRecord.Source.API).state == CreditRecord.State.DRAFT
    # The same id in education's namespace is education's own record, not health's.
    mine = push(edu, [item(10, external_id="SHARED-1")]).json()["results"][0]
    assert mine["status"] == "created"
    assert edu.call("GET", RECORDS, query="external_id=SHARED-1").json()["results"][0]["id"] == mine["record_id"]


def test_another_departments_occupation_is_forbidden(edu) -> None:
    response = push(edu, [item(1)], occupation="doctor")
    assert response.status_code == 403
    assert response.json()["errors"][0]["code"] == "forbidden"


@pytest.mark.parametrize("raw", [b"not json", b"[]", b"{\"items\": 3}", b"{\"occupation\": 1, \"items\": [{}]}",
                                 b"{\"occupation\": \"teacher\", \"items\": [], \"submit\": 1}", b"\xff\xfe"])
def test_garbage_gets_4xx_in_the_error_format(edu, raw: bytes) -> None:
    response = edu.call("POST", RECORDS, raw=raw)
    assert 400 <= response.status_code < 500
    assert response.json()["errors"][0]["message"]


@pytest.mark.parametrize("where", ["envelope", "submit list", "filter", "path"])
def test_a_nul_anywhere_is_a_400_in_chinese_and_writes_nothing(edu, where: str) -> None:
    """PostgreSQL's text cannot hold a NUL: it was a 500 where it reached a query (the
    envelope's occupation, a filter, the path, the submit list). Refused in words, on
    both databases, before anything is read or written. (An item's cells are refused
    with the item alone: the next test.)"""
    before = CreditRecord.objects.count()
    if where == "envelope":
        response = push(edu, [item(1)], occupation="\u0000")
    elif where == "submit list":
        response = edu.call("POST", RECORDS + "submit/", {"external_ids": ["\u0000"]})
    elif where == "filter":
        response = edu.call("GET", RECORDS, query="state=%00")
    else:
        # Signed over the path as the server reads it (request.path, decoded).
        headers = signing.sign(method="GET", path=RECORDS + "\x00/", body=b"", key_id=edu.key_id, secret=edu.secret)
        response = edu.client.get(RECORDS + "%00/", **{f"HTTP_{k.upper().replace('-', '_')}": v
                                                       for k, v in headers.items()})
    assert response.status_code == 400, response.content
    assert "NUL" in response.json()["errors"][0]["message"]
    assert "字符" in response.json()["errors"][0]["message"]
    assert CreditRecord.objects.count() == before


def test_a_nul_in_an_item_refuses_that_item_alone(edu) -> None:
    results = push(edu, [item(1), item(2, title="违规\u0000")]).json()["results"]
    assert [r["status"] for r in results] == ["created", "error"]
    assert "控制字符" in results[1]["errors"][0]["message"]


def test_a_deeply_nested_body_is_a_400_not_a_500(edu) -> None:
    response = edu.call("POST", RECORDS, raw=b"[" * 100_000 + b"]" * 100_000)
    assert response.status_code == 400
    assert response.json()["errors"][0]["message"]


def test_list_filters_and_cursor_pagination(edu, world) -> None:
    push(edu, [item(i) for i in range(1, 4)])
    page = edu.call("GET", RECORDS, query="state=draft&occupation=teacher").json()
    assert {r["external_id"] for r in page["results"]} >= {"EDU-1", "EDU-2", "EDU-3"}
    assert all(r["id_number_masked"].count("*") == 10 for r in page["results"])
    assert edu.call("GET", RECORDS, query="updated_after=garbage").status_code == 400


@pytest.mark.parametrize("n", [1, 50])
def test_list_query_count_is_the_same_for_1_and_50(edu, django_assert_num_queries, n: int) -> None:
    push(edu, [item(i) for i in range(1, n + 1)])
    body = b""
    headers = signing.sign(method="GET", path=RECORDS, body=body, key_id=edu.key_id, secret=edu.secret)
    extra = {f"HTTP_{k.upper().replace('-', '_')}": v for k, v in headers.items()}
    # 1 the system by key id (with account and department), 2 the page of records with
    # subject, occupation, category, domain and the external id joined in, 3 its audit entry.
    with django_assert_num_queries(3):
        response = edu.client.get(RECORDS, **extra)
    assert len(response.json()["results"]) == n


def test_schema_documents_the_endpoints_in_chinese(client) -> None:
    schema = client.get(reverse("api-schema"), {"format": "json"}).json()
    assert "/api/departments/v1/records/" in schema["paths"]
    assert "幂等" in schema["paths"]["/api/departments/v1/records/"]["post"]["description"]
    assert "departmentSignature" in schema["components"]["securitySchemes"]


def test_what_a_system_reads_is_in_the_audit_trail(edu) -> None:
    """A system's key that pages through its department's records, or reads one, leaves
    an audited read each time, naming the filters (never their values) and the person
    of a record read."""
    from credit_portal.models import AuditEntry

    push(edu, [item(1), item(2)])
    assert edu.call("GET", RECORDS, query="state=draft&occupation=teacher").status_code == 200
    listed = AuditEntry.objects.get(action="intake.records.listed")
    assert listed.actor_id == edu.model.account_id
    assert listed.detail == {"rows": 2, "filters": ["occupation", "state"]}
    assert edu.call("GET", RECORDS + "EDU-1/").status_code == 200
    viewed = AuditEntry.objects.get(action="intake.record.viewed")
    record = CreditRecord.objects.get(intake_key="ext:EDU-1")
    assert (viewed.object_id, viewed.subject_ref) == (str(record.pk), str(record.archive.subject_id))


def test_another_writers_rows_at_the_same_moment_are_a_409_not_a_500() -> None:
    """import_rows turns a unique clash with a concurrent writer into ImportConflict
    (nothing written, said in words): the API answers 409 with that message."""
    from archives.intake.api_auth import exception_handler
    from archives.intake.importer.outcome import ImportConflict

    response = exception_handler(ImportConflict("另一写入方同时写入了同一人员，未写入任何内容。"), {})
    assert response.status_code == 409
    assert response.data["errors"][0]["message"] == "另一写入方同时写入了同一人员，未写入任何内容。"
