"""Every predicate of archives.permissions, tried by everyone who must be refused as
well as by whoever may act (STYLE.md: every permission rule has a test that tries to
break it). Each row names the users allowed; all others must get False."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
import time_machine
from django.contrib.auth.models import AnonymousUser

from archives import permissions as p
from archives import services
from archives.models import Archive
from tests.archives.conftest import World, draft_negative, pdf, publish_negative

pytestmark = pytest.mark.django_db

USERS = ("edu_clerk", "edu_reviewer", "edu_reviewer2", "health_clerk", "health_reviewer", "credit_office", "citizen",
         "anonymous")
EDU = {"edu_clerk", "edu_reviewer", "edu_reviewer2"}
EDU_REVIEWERS = {"edu_reviewer", "edu_reviewer2"}
STAFF = EDU | {"health_clerk", "health_reviewer"}


@pytest.fixture
def objects(world: World) -> dict[str, Any]:
    with time_machine.travel(date(2026, 5, 1), tick=False):
        draft = draft_negative(world, title="草稿")
        submitted = services.submit_record(draft_negative(world, title="待审"), by=world.edu_clerk)
        published = publish_negative(world, title="已公开")
        other = publish_negative(world, title="另一条")
        change = services.propose_withdrawal(other, by=world.edu_reviewer, reason="撤销")
        finding = services.draft_finding(world.archive, year=2025, status="trustworthy", basis="守信", by=world.edu_reviewer)
        evidence = draft.evidence.get()
        change_evidence = services.attach_evidence(pdf(), by=world.edu_clerk, change=change)
    closed = Archive.objects.get(pk=world.archive.pk)
    closed.state = Archive.State.CLOSED  # an unsaved copy: the predicates read the state given
    return {"archive": world.archive, "closed": closed, "draft": draft, "submitted": submitted, "published": published,
            "change": change, "finding": finding, "evidence": evidence, "change_evidence": change_evidence}


ROWS: list[tuple[str, Callable[..., bool], str | None, set[str]]] = [
    ("staff pages", lambda u, o: p.can_use_staff_pages(u), None, STAFF | {"credit_office"}),
    ("register person", lambda u, o: p.can_register_person(u), None, STAFF),
    ("open archive", lambda u, o: p.can_open_archive(u), None, STAFF),
    ("edit subject", lambda u, o: p.can_edit_subject(u), None, STAFF | {"credit_office"}),
    ("review queue", lambda u, o: p.can_use_review_queue(u), None, EDU_REVIEWERS | {"health_reviewer"}),
    ("view archive", p.can_view_archive, "archive", EDU | {"credit_office"}),
    ("reveal", p.can_reveal_personal_data, "archive", EDU | {"credit_office"}),
    ("edit archive", p.can_edit_archive, "archive", EDU),
    ("edit closed archive", p.can_edit_archive, "closed", set()),
    ("close archive", p.can_close_archive, "archive", EDU_REVIEWERS),
    ("share archive", p.can_share_archive, "archive", EDU_REVIEWERS | {"credit_office"}),
    ("enter record", p.can_enter_record, "archive", {"edu_clerk"}),
    ("enter record in closed archive", p.can_enter_record, "closed", set()),
    ("edit draft", p.can_edit_record, "draft", {"edu_clerk"}),
    ("edit published", p.can_edit_record, "published", set()),
    ("submit draft", p.can_submit_record, "draft", {"edu_clerk"}),
    ("submit submitted", p.can_submit_record, "submitted", set()),
    ("delete draft", p.can_delete_draft, "draft", {"edu_clerk"}),
    ("delete published", p.can_delete_draft, "published", set()),
    ("evidence on draft", p.can_add_record_evidence, "draft", EDU),
    ("evidence on published", p.can_add_record_evidence, "published", set()),
    ("delete draft evidence", p.can_delete_evidence, "evidence", EDU),
    ("delete change evidence", p.can_delete_evidence, "change_evidence", EDU),
    ("return submitted", p.can_return_record, "submitted", EDU_REVIEWERS),
    ("return draft", p.can_return_record, "draft", set()),
    ("publish submitted", p.can_publish_record, "submitted", EDU_REVIEWERS),
    ("publish published", p.can_publish_record, "published", set()),
    ("propose change", p.can_propose_change, "published", EDU),
    ("propose change to a draft", p.can_propose_change, "draft", set()),
    ("evidence on change", p.can_add_change_evidence, "change", EDU),
    # Proposed by edu_reviewer: only the other reviewer approves or rejects; only the proposer cancels.
    ("approve change", p.can_approve_change, "change", {"edu_reviewer2"}),
    ("reject change", p.can_reject_change, "change", {"edu_reviewer2"}),
    ("cancel change", p.can_cancel_change, "change", {"edu_reviewer"}),
    ("apply case outcome", p.can_apply_case_outcome, "published", {"credit_office"}),
    ("apply case outcome to a draft", p.can_apply_case_outcome, "draft", set()),
    ("mark repaired", p.can_mark_repaired, "published", {"credit_office"}),
    ("draft finding", p.can_draft_finding, "archive", EDU),
    ("finding evidence", p.can_add_finding_evidence, "finding", EDU),
    ("delete draft finding", p.can_delete_draft_finding, "finding", EDU),
    # Drafted by edu_reviewer: the other reviewer signs.
    ("sign finding", p.can_sign_finding, "finding", {"edu_reviewer2"}),
]


@pytest.mark.parametrize(("label", "predicate", "target", "allowed"), ROWS, ids=[row[0] for row in ROWS])
def test_predicate_allows_exactly(world: World, objects: dict[str, Any], label: str, predicate: Callable[..., bool],
                                  target: str | None, allowed: set[str]) -> None:
    obj = objects[target] if target else None
    for name in USERS:
        user = AnonymousUser() if name == "anonymous" else getattr(world, name)
        answer = predicate(user, obj) if target else predicate(user, None)
        assert answer is (name in allowed), f"{label}: {name} got {answer}"


def test_author_who_is_also_reviewer_cannot_publish(world: World) -> None:
    from departments.models import Membership

    Membership.objects.create(user=world.edu_reviewer, department=world.education, role=Membership.Role.CLERK)
    record = draft_negative(world, by=world.edu_reviewer)
    record = services.submit_record(record, by=world.edu_reviewer)
    assert not p.can_publish_record(world.edu_reviewer, record)
    assert p.can_publish_record(world.edu_reviewer2, record)


def test_predicates_and_services_agree_on_publishing(world: World) -> None:
    """The page offers publishing exactly when the service accepts it."""
    from django.core.exceptions import PermissionDenied

    record = services.submit_record(draft_negative(world), by=world.edu_clerk)
    for user in (world.edu_clerk, world.health_reviewer, world.credit_office):
        assert not p.can_publish_record(user, record)
        with pytest.raises(PermissionDenied):
            services.publish_record(record, by=user)
    assert p.can_publish_record(world.edu_reviewer, record)
    services.publish_record(record, by=world.edu_reviewer)


def test_roles_on_read_the_other_acting_departments_only_when_the_owner_does_not_answer(
    world: World, django_assert_num_queries
) -> None:
    """``roles_on``: a role held in the owning department, or held nowhere, is answered
    without reading the occupation's other departments and the shares (one query fewer
    on most archive pages); a role held only in a co-responsible or sharing department is
    still found, and a role held elsewhere still refused."""
    from departments.models import Membership
    from tests import factories as f

    archive = services.open_archive(subject=world.subject, occupation=world.auditor_occ, department=world.finance,
                                    employer="示范审计所", by=world.finance_clerk)
    both = f.member(world.finance, Membership.Role.CLERK, "finance_clerk_audit_reviewer")
    Membership.objects.create(user=both, department=world.audit_office, role=Membership.Role.REVIEWER)
    services.share_archive(archive, department=world.health, by=world.credit_office)
    expected = {
        "finance_clerk": ({p.CLERK}, 0), "audit_clerk": ({p.CLERK}, 1), "audit_reviewer": ({p.REVIEWER}, 1),
        "health_clerk": ({p.CLERK}, 1), "health_reviewer": ({p.REVIEWER}, 1), "edu_clerk": (set(), 1),
        "edu_reviewer": (set(), 1), "credit_office": (set(), 0), "citizen": (set(), 0),
    }
    for name, (roles, queries) in expected.items():
        user = getattr(world, name)
        fresh = Archive.objects.get(pk=archive.pk)  # the acting departments are kept per instance
        p.department_ids(user)  # the memberships are the request's common read, not this one
        with django_assert_num_queries(queries):
            assert p.roles_on(user, fresh) == roles, name
    fresh = Archive.objects.get(pk=archive.pk)
    p.department_ids(both)
    with django_assert_num_queries(1):
        assert p.roles_on(both, fresh) == {p.CLERK, p.REVIEWER}
