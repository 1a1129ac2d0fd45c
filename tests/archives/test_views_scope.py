"""The department-scope matrix over every clerk and reviewer page (DESIGN §6).

An archive of the auditor occupation, kept by 审计局 and co-responsible 财政局 (000 §二
gives 审计人员 to both), is looked at by: a clerk and a reviewer of the owning
department, of the co-responsible department, of an unrelated department (教育局), the
credit office, a citizen and an anonymous visitor. 404 where the viewer must not learn
the archive exists, 403 where they see it but may not act, the log-in page for anonymous.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.urls import reverse

from archives import services
from archives.models import AnnualFinding, Archive, CreditRecord, Evidence, RecordChange
from departments.models import Membership
from tests import factories as f
from tests.archives.conftest import World

VIEWERS = (
    "owner_clerk", "owner_reviewer", "co_clerk", "co_reviewer", "other_clerk", "other_reviewer",
    "credit_office", "citizen", "anonymous",
)
L = "login"

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@dataclass
class Scene:
    archive: Archive
    draft: CreditRecord
    submitted: CreditRecord
    published: CreditRecord
    change: RecordChange
    finding: AnnualFinding
    evidence: Evidence
    users: dict[str, object]


@pytest.fixture
def scene(world: World, settings, tmp_path) -> Scene:
    settings.STORAGES = {**settings.STORAGES, "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(tmp_path)}}}
    finance_reviewer = f.member(world.finance, Membership.Role.REVIEWER, "finance_reviewer")
    subject, _ = services.find_or_create_subject(
        name="测试乙", id_number=f.make_id_number(birth=date(1979, 5, 4), seq=7), by=world.audit_clerk
    )
    archive = services.open_archive(
        subject=subject, occupation=world.auditor_occ, department=world.audit_office, employer="示范会计师事务所",
        by=world.audit_clerk,
    )
    data = {
        "category": world.violations, "polarity": CreditRecord.Polarity.NEGATIVE,
        "severity": CreditRecord.Severity.GENERAL, "title": "出具不实审计报告",
        **f.lately(60),  # on display whenever the suite runs
    }
    draft = services.draft_record(archive, by=world.audit_clerk, **data)
    services.attach_evidence(SimpleUploadedFile("decision.pdf", PDF), by=world.audit_clerk, record=draft)
    evidence = draft.evidence.get()
    def with_evidence(title: str) -> CreditRecord:
        record = services.draft_record(archive, by=world.audit_clerk, **{**data, "title": title})
        services.attach_evidence(SimpleUploadedFile("decision.pdf", PDF), by=world.audit_clerk, record=record)
        return services.submit_record(record, by=world.audit_clerk)

    submitted = with_evidence("待审记录")
    published = services.publish_record(with_evidence("已公开记录"), by=world.audit_reviewer)
    changed = services.publish_record(with_evidence("待更正记录"), by=world.audit_reviewer)
    change = services.propose_correction(changed, by=world.audit_clerk, reason="文号有误", decision_number="审罚〔2026〕2号")
    finding = services.draft_finding(archive, year=2025, status="trustworthy", basis="依法认定为守信人员", by=world.audit_clerk)
    users = {
        "owner_clerk": world.audit_clerk, "owner_reviewer": world.audit_reviewer,
        "co_clerk": world.finance_clerk, "co_reviewer": finance_reviewer,
        "other_clerk": world.edu_clerk, "other_reviewer": world.edu_reviewer,
        "credit_office": world.credit_office, "citizen": world.citizen, "anonymous": None,
    }
    return Scene(archive, draft, submitted, published, change, finding, evidence, users)


def _url(scene: Scene, name: str) -> str:
    s = scene
    args = {
        "dashboard": [], "find_subject": [], "register_person": [], "review_queue": [],
        "subject": [s.archive.subject_id], "subject_edit": [s.archive.subject_id],
        "archive_open": [s.archive.subject_id],
        "archive": [s.archive.pk], "archive_edit": [s.archive.pk], "archive_close": [s.archive.pk],
        "archive_print": [s.archive.pk], "archive_export": [s.archive.pk], "record_new": [s.archive.pk],
        "finding_new": [s.archive.pk], "archive_reveal": [s.archive.pk],
        "record": [s.draft.pk], "record_edit": [s.draft.pk], "record_evidence": [s.draft.pk],
        "record_submit": [s.draft.pk],
        "record_review": [s.submitted.pk], "record_return": [s.submitted.pk], "record_publish": [s.submitted.pk],
        "record_correct": [s.published.pk], "record_withdraw": [s.published.pk],
        "finding": [s.finding.pk], "finding_evidence": [s.finding.pk],
        "evidence_download": [s.evidence.pk], "my_items": [], "record_delete": [s.draft.pk],
        "change": [s.change.pk], "change_approve": [s.change.pk], "change_reject": [s.change.pk],
        "change_cancel": [s.change.pk], "change_evidence": [s.change.pk], "finding_delete": [s.finding.pk],
    }[name]
    return reverse(f"archives:{name}", args=args)


# Expected answer per viewer, in the order of VIEWERS.
READ = (200, 200, 200, 200, 404, 404, 200, 403, L)
EDIT = (200, 200, 200, 200, 404, 404, 403, 403, L)
CLERK_ONLY = (200, 403, 200, 403, 404, 404, 403, 403, L)
REVIEWER_ONLY = (403, 200, 403, 200, 404, 404, 403, 403, L)
REVIEWER_OR_OFFICE = (403, 200, 403, 200, 404, 404, 200, 403, L)
ANY_STAFF = (200, 200, 200, 200, 200, 200, 200, 403, L)
DEPARTMENT_STAFF = (200, 200, 200, 200, 200, 200, 403, 403, L)

GET_MATRIX = {
    "dashboard": ANY_STAFF,
    "find_subject": ANY_STAFF,
    "register_person": DEPARTMENT_STAFF,
    # Every reviewer has a queue (empty when nothing of theirs waits); clerks and the office have none.
    "review_queue": (403, 200, 403, 200, 403, 200, 403, 403, L),
    "subject": READ,
    "subject_edit": EDIT[:6] + (200, 403, L),
    "archive_open": EDIT,
    "archive": READ,
    "archive_print": READ,
    "archive_export": READ,
    "archive_edit": EDIT,
    "archive_close": REVIEWER_ONLY,
    "record_new": CLERK_ONLY,
    "finding_new": EDIT,
    "record": READ,
    "record_edit": CLERK_ONLY,
    "record_evidence": EDIT,
    "record_review": REVIEWER_ONLY,
    "record_return": REVIEWER_ONLY,
    # Changes to published records are proposed by the department's staff; another
    # reviewer approves. The credit office changes records only by concluding a case.
    "record_correct": EDIT,
    "record_withdraw": EDIT,
    "record_delete": CLERK_ONLY,
    "my_items": ANY_STAFF,
    "change": READ,
    "change_evidence": EDIT,
    "finding_delete": EDIT,
    "finding": READ,
    "finding_evidence": EDIT,
    "evidence_download": READ,
}

POST_MATRIX = {
    # Publishing: a reviewer of a department that may act, who did not write the record.
    "record_publish": (403, 302, 403, 302, 404, 404, 403, 403, L),
    "record_submit": (302, 403, 302, 403, 404, 404, 403, 403, L),
    "archive_reveal": READ,
    "record_withdraw": (302, 302, 302, 302, 404, 404, 403, 403, L),
    "record_correct": (302, 302, 302, 302, 404, 404, 403, 403, L),
    "record_delete": (302, 403, 302, 403, 404, 404, 403, 403, L),
    # The proposer (owner clerk) and clerks cannot approve; a reviewer in scope can.
    "change_approve": (403, 302, 403, 302, 404, 404, 403, 403, L),
    "change_reject": (403, 302, 403, 302, 404, 404, 403, 403, L),
    "change_cancel": (302, 403, 403, 403, 404, 404, 403, 403, L),
    "record_return": (403, 302, 403, 302, 404, 404, 403, 403, L),
    "archive_close": (403, 302, 403, 302, 404, 404, 403, 403, L),
    "record_new": (302, 403, 302, 403, 404, 404, 403, 403, L),
}


def _post_data(scene: Scene, name: str) -> dict[str, object]:
    return {
        "archive_reveal": {"field": "id_number"},
        "record_withdraw": {"reason": "决定已撤销"},
        "change_reject": {"reason": "依据不足"},
        "record_correct": {
            "reason": "标题有误", "category": scene.published.category_id, "polarity": "negative", "severity": "general",
            "title": "出具不实审计报告（更正）",
            "occurred_on_year": "2026", "occurred_on_month": "1", "occurred_on_day": "5",
            "decided_on_year": "2026", "decided_on_month": "2", "decided_on_day": "1",
        },
        "record_return": {"reason": "请补充文号"},
        "archive_close": {"reason": "已离职"},
        "record_new": {
            "category": scene.archive.records.first().category_id, "polarity": "positive", "title": "获评优秀",
            "occurred_on_year": "2026", "occurred_on_month": "1", "occurred_on_day": "2",
            "decided_on_year": "2026", "decided_on_month": "1", "decided_on_day": "3",
        },
    }.get(name, {})


def _check(response, expected: object, viewer: str) -> None:
    if expected == L:
        assert response.status_code == 302, viewer
        assert response.url.startswith(reverse("login")), viewer
    else:
        assert response.status_code == expected, f"{viewer}: {response.status_code}"
        if expected == 302:
            assert not response.url.startswith(reverse("login")), viewer


def _as(client, user: object) -> None:
    client.logout()
    if user is not None:
        client.force_login(user)


@pytest.mark.parametrize("page", GET_MATRIX)
def test_get_scope_matrix(client, scene: Scene, page: str) -> None:
    for viewer, expected in zip(VIEWERS, GET_MATRIX[page], strict=True):
        _as(client, scene.users[viewer])
        _check(client.get(_url(scene, page)), expected, viewer)


def _states() -> tuple[int, list[str], list[str], list[str]]:
    return (
        CreditRecord.objects.count(),
        list(CreditRecord.objects.values_list("state", flat=True).order_by("pk")),
        list(RecordChange.objects.values_list("state", flat=True).order_by("pk")),
        list(Archive.objects.values_list("state", flat=True).order_by("pk")),
    )


@pytest.mark.parametrize("action", POST_MATRIX)
def test_post_scope_matrix(client, scene: Scene, action: str) -> None:
    for viewer, expected in zip(VIEWERS, POST_MATRIX[action], strict=True):
        # Each viewer starts from the same state: the request runs in a savepoint that
        # is rolled back afterwards (the services' own atomic blocks nest inside it).
        with transaction.atomic():
            _as(client, scene.users[viewer])
            before = _states()
            response = client.post(_url(scene, action), _post_data(scene, action))
            _check(response, expected, viewer)
            if expected == 302:
                assert _states() != before, viewer
            elif expected != 200:
                assert _states() == before, f"{viewer}: a refusal changed something"
            transaction.set_rollback(True)


def test_refused_archive_close_keeps_archive_open(client, scene: Scene) -> None:
    client.force_login(scene.users["owner_clerk"])
    assert client.post(_url(scene, "archive_close"), {"reason": "x"}).status_code == 403
    scene.archive.refresh_from_db()
    assert scene.archive.state == Archive.State.OPEN


def test_pages_with_personal_data_are_not_cached(client, scene: Scene) -> None:
    client.force_login(scene.users["owner_clerk"])
    for page in ("archive", "subject", "record", "archive_export", "evidence_download"):
        assert client.get(_url(scene, page))["Cache-Control"] == "no-store", page
