"""The auditor's page for on-demand anchors and the retention purge (same services as the commands)."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from credit_portal import audit
from credit_portal.models import AuditAnchor, AuditEntry, User
from credit_portal.roles import Role
from tests import factories as f

pytestmark = pytest.mark.django_db
URL = "/admin/credit_portal/auditanchor/maintenance/"


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture(autouse=True)
def _in_process(monkeypatch) -> None:
    """The page's purge is a task: run in-process here (as in the embedded profile), so the
    page gives its outcome at once, whether or not the run has a broker (the PostgreSQL pass)."""
    from credit_portal.celery import app

    monkeypatch.setattr(app.conf, "task_always_eager", True)


@pytest.fixture
def auditor() -> User:
    return f.make_user("the-auditor", roles=(Role.AUDITOR,), is_staff=True, role_entries=False)


def test_auditor_anchors_on_demand_after_a_confirmation(auditor) -> None:
    audit.record("test.written", detail={"n": 1})
    client = _client(auditor)
    page = client.get(URL)
    assert page.status_code == 200
    assert "审计日志维护" in page.content.decode()
    confirm = client.post(URL, {"task": "anchor"})
    assert confirm.status_code == 200
    assert 'name="confirmed"' in confirm.content.decode()
    assert not AuditAnchor.objects.exists()  # nothing happens before the confirmation
    done = client.post(URL, {"task": "anchor", "confirmed": "on"}, follow=True)
    anchor = AuditAnchor.objects.get()
    assert (anchor.kind, anchor.created_by_id) == (AuditAnchor.Kind.ON_DEMAND, auditor.pk)
    assert AuditEntry.objects.filter(action="credit_portal.audit.anchored", actor_id=auditor.pk).exists()
    assert "已锚定" in done.content.decode()
    assert audit.verify_chain().ok


def test_auditor_purges_past_retention_and_sees_the_result(settings) -> None:
    settings.AUDIT_RETENTION_DAYS = 184
    with time_machine.travel(timezone.now() - timedelta(days=200)):
        # Granted with its entry (#1): the purge refuses while verify_tables names a role
        # held without one.
        auditor = f.make_user("the-auditor", roles=(Role.AUDITOR,), is_staff=True)
        for i in range(3):
            audit.record("test.old", detail={"n": i})
    audit.record("test.young")
    client = _client(auditor)
    confirm = client.post(URL, {"task": "purge"})
    assert "4" in confirm.content.decode()
    assert AuditEntry.objects.filter(action="test.old").count() == 3
    page = client.post(URL, {"task": "purge", "confirmed": "on"}, follow=True)
    assert not AuditEntry.objects.filter(action="test.old").exists()
    purge = AuditAnchor.objects.get(kind=AuditAnchor.Kind.PURGE)
    assert purge.sequence == 4
    assert audit.verify_chain().ok
    # Shown on the page: the purge and its anchor.
    body = page.content.decode()
    assert "已清理" in body or "清理" in body
    assert page.context["purges"][0].pk == purge.pk


def test_nothing_to_purge_says_so(auditor) -> None:
    audit.record("test.young")
    page = _client(auditor).post(URL, {"task": "purge", "confirmed": "on"}, follow=True)
    assert page.status_code == 200
    assert not AuditAnchor.objects.filter(kind=AuditAnchor.Kind.PURGE).exists()


def test_a_hostile_task_is_a_form_error(auditor) -> None:
    response = _client(auditor).post(URL, {"task": "<script>", "confirmed": "on"})
    assert response.status_code == 200
    assert "请选择" in response.content.decode()
    assert not AuditAnchor.objects.exists()


@pytest.mark.parametrize("role", [Role.SECURITY_ADMIN, Role.SYSTEM_ADMIN, Role.CREDIT_OFFICE, None])
def test_other_roles_are_refused(role) -> None:
    if role is None:
        user = User.objects.create_superuser("installer", "installer@example.invalid", "test-password-123")
    else:
        user = f.make_user("other", roles=(role,), is_staff=True, role_entries=False)
    client = _client(user)
    assert client.get(URL).status_code == 403
    assert client.post(URL, {"task": "anchor", "confirmed": "on"}).status_code == 403
    assert client.post(URL, {"task": "purge", "confirmed": "on"}).status_code == 403
    assert not AuditAnchor.objects.exists()


def test_the_anchor_list_links_to_the_page_for_the_auditor_only(auditor) -> None:
    changelist = reverse("admin:credit_portal_auditanchor_changelist")
    assert URL in _client(auditor).get(changelist).content.decode()


def test_query_count_of_the_page_does_not_grow_with_anchors(auditor, django_assert_max_num_queries) -> None:
    from credit_portal.audit_anchor import anchor_chain

    client = _client(auditor)
    audit.record("test.written")
    anchor_chain(by=auditor)
    client.get(URL)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as one:
        client.get(URL)
    for i in range(30):
        audit.record("test.written", detail={"n": i})
        anchor_chain(by=auditor)
    with CaptureQueriesContext(connection) as many:
        client.get(URL)
    assert len(many) == len(one)


def test_the_purge_is_refused_on_the_page_while_a_table_differs(auditor, settings) -> None:
    """The fixture's auditor holds the role with no granting entry: verify_tables names
    it, so the page refuses the purge and says why, and nothing is deleted."""
    with time_machine.travel(timezone.now() - timedelta(days=settings.AUDIT_RETENTION_DAYS + 10)):
        audit.record("test.old")
    page = _client(auditor).post(URL, {"task": "purge", "confirmed": "on"}, follow=True)
    body = page.content.decode()
    assert "未清理任何条目" in body
    assert "no audit entry granted it" in body
    assert AuditEntry.objects.filter(action="test.old").exists()


def test_with_a_worker_the_purge_runs_as_a_task_and_the_page_shows_its_refusal(
    auditor, settings, monkeypatch,
) -> None:
    """At a city's scale the purge takes minutes: the page queues it (a web request has a
    time limit) and says so. A refusal found in the background is shown at the top of the
    page, until a purge succeeds."""
    from credit_portal import tasks

    queued: list[int] = []
    monkeypatch.setattr(tasks.purge_audit_trail, "delay", queued.append)
    with time_machine.travel(timezone.now() - timedelta(days=settings.AUDIT_RETENTION_DAYS + 10)):
        audit.record("test.old")
    client = _client(auditor)
    page = client.post(URL, {"task": "purge", "confirmed": "on"}, follow=True)
    assert queued == [auditor.pk]
    assert "清理已在后台运行" in page.content.decode()
    assert AuditEntry.objects.filter(action="test.old").exists()  # nothing yet: the worker runs it
    # The worker: refused, the auditor holds the role with no granting entry (verify_tables).
    outcome = tasks.purge_audit_trail(auditor.pk)
    assert (outcome["outcome"], outcome["differences"]) == ("refused", 1)
    assert AuditEntry.objects.filter(action="test.old").exists()
    body = client.get(URL).content.decode()
    assert 'id="purge-refusal"' in body
    assert "未清理任何条目" in body
    assert "no audit entry granted it" in body


def test_a_purge_after_a_refusal_clears_the_refusal_from_the_page(settings) -> None:
    from credit_portal import tasks

    settings.AUDIT_RETENTION_DAYS = 184
    with time_machine.travel(timezone.now() - timedelta(days=200)):
        auditor = f.make_user("the-auditor", roles=(Role.AUDITOR,), is_staff=True)
        audit.record("test.old")
    with time_machine.travel(timezone.now() - timedelta(minutes=5)):
        audit.record("credit_portal.audit.purge_refused", actor=auditor,
                      detail={"outcome": "refused", "differences": 1, "first": "earlier"})
    assert 'id="purge-refusal"' in _client(auditor).get(URL).content.decode()
    assert tasks.purge_audit_trail(auditor.pk)["outcome"] == "purged"
    assert 'id="purge-refusal"' not in _client(auditor).get(URL).content.decode()
