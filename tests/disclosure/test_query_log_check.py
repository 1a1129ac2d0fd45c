"""The query log people read, checked against the audit trail: an insider with the
database cannot hide a query from the person, move it to someone else or turn a refusal
into a grant unseen (disclosure.services.log_check, run by manage.py verify_tables)."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from disclosure.models import QueryLog
from disclosure.services import queries
from tests.disclosure.conftest import grant

pytestmark = pytest.mark.django_db


def _queried(disc) -> tuple[QueryLog, QueryLog]:
    """A granted query and a refused one (a wrong purpose) of the same person."""
    _auth, code = grant(disc)
    granted = queries.query_record(
        by=disc.employer_staff, name=disc.subject.name, id_number=disc.subject.id_number, code=code,
        purpose="recruitment",
    ).log
    with pytest.raises(queries.QueryRefused) as refused:
        queries.query_record(
            by=disc.employer_staff, name=disc.subject.name, id_number=disc.subject.id_number, code=code,
            purpose="financial",
        )
    return granted, refused.value.log


def _verify() -> str:
    out = StringIO()
    call_command("verify_tables", stdout=out)
    return out.getvalue()


def test_the_query_log_as_written_matches_the_trail(disc) -> None:
    _queried(disc)
    assert "query log: 2 recorded rows match." in _verify()


def test_a_query_deleted_from_the_persons_log_is_named(disc) -> None:
    granted, _refused = _queried(disc)
    # What someone with the database does, past the services (no audit entry, no signal).
    QueryLog.objects.filter(pk=granted.pk).delete()
    with pytest.raises(CommandError, match=rf"(?s)query log: 1 of 2 do not match.*query log {granted.pk} is missing"):
        _verify()


def test_a_query_moved_to_another_person_or_made_a_grant_is_named(disc) -> None:
    granted, refused = _queried(disc)
    QueryLog.objects.filter(pk=granted.pk).update(subject=disc.other_subject)
    QueryLog.objects.filter(pk=refused.pk).update(outcome="granted", reason="ok")
    with pytest.raises(CommandError) as caught:
        _verify()
    message = str(caught.value)
    assert "query log: 2 of 2 do not match" in message
    assert f"query log {granted.pk} differs in the person" in message
    assert f"query log {refused.pk} differs in the outcome, the reason" in message


def test_a_query_shown_as_another_institution_purpose_or_time_is_named(disc) -> None:
    """What the person's page shows besides who and the outcome: the institution, the
    purpose and the time. Each query's entry records them (the time is its own)."""
    from datetime import timedelta

    granted, refused = _queried(disc)
    QueryLog.objects.filter(pk=granted.pk).update(institution=disc.bank, purpose="other", purpose_other="例行核查")
    QueryLog.objects.filter(pk=refused.pk).update(occurred_at=refused.occurred_at - timedelta(days=400))
    with pytest.raises(CommandError) as caught:
        _verify()
    message = str(caught.value)
    assert f"query log {granted.pk} differs in the institution, the purpose" in message
    assert f"query log {refused.pk} differs in the time" in message


def test_queries_older_than_the_trail_are_still_checked_after_two_purges(long_ago, disc, settings) -> None:
    """The trail keeps its entries 184 days, the person's query log for good: after a
    purge nothing vouched for a query's row, and deleting it hid the query from the person
    unseen. The purge first carries the rows its entries vouch for forward (ids, count and
    digest in a fresh entry), and a later purge carries that entry again."""
    from datetime import timedelta

    import time_machine
    from django.utils import timezone

    from credit_portal.audit_anchor import purge_expired
    from credit_portal.models import AuditEntry
    from credit_portal.roles import Role
    from disclosure.services.log_check import CARRIED
    from tests import factories as f

    granted, refused = _queried(disc)
    auditor = f.make_user("the-auditor", roles=(Role.AUDITOR,), is_staff=True)
    long_ago()
    with time_machine.travel(timezone.now() - timedelta(days=settings.AUDIT_RETENTION_DAYS + 10)):
        assert purge_expired(by=auditor) is not None
    assert not AuditEntry.objects.filter(object_id=str(granted.pk), object_type="disclosure.querylog").exists()
    (first,) = AuditEntry.objects.filter(action=CARRIED)
    assert first.detail["count"] == 2
    assert "query log: 1 recorded rows match." in _verify()  # the carried entry, its two rows whole
    assert purge_expired(by=auditor) is not None  # the first carried entry is past retention now
    (second,) = AuditEntry.objects.filter(action=CARRIED)
    assert second.detail["carried_forward"] == first.uid
    assert "query log: 1 recorded rows match." in _verify()

    assert second.detail["compared"] == 2
    QueryLog.objects.filter(pk=refused.pk).update(institution=disc.bank)  # past the trail: the carried digest
    with pytest.raises(CommandError, match="no longer say what their purged entries recorded"):
        _verify()
    QueryLog.objects.filter(pk=refused.pk).update(institution=refused.institution)
    assert "query log: 1 recorded rows match." in _verify()
    QueryLog.objects.filter(pk=refused.pk).update(outcome="granted", reason="ok")
    with pytest.raises(CommandError, match="no longer say what their purged entries recorded"):
        _verify()
    QueryLog.objects.filter(pk=granted.pk).delete()
    with pytest.raises(CommandError, match=rf"1 query log rows it carries are missing \({granted.pk}\)"):
        _verify()


def test_the_purge_refuses_while_a_table_differs_from_the_trail(long_ago, disc, settings) -> None:
    """A query hidden from the person before the purge: the entry that recorded it is the
    only evidence, and the purge would delete it (carrying forward only what still
    matches). It refuses, naming the difference, and deletes nothing."""
    from datetime import timedelta

    import time_machine
    from django.utils import timezone

    from credit_portal.audit_anchor import PurgeRefused, purge_expired
    from credit_portal.models import AuditEntry
    from credit_portal.roles import Role
    from tests import factories as f

    granted, _refused = _queried(disc)
    auditor = f.make_user("the-auditor", roles=(Role.AUDITOR,), is_staff=True)
    long_ago()
    QueryLog.objects.filter(pk=granted.pk).delete()
    before = AuditEntry.objects.count()
    with time_machine.travel(timezone.now() - timedelta(days=settings.AUDIT_RETENTION_DAYS + 10)):
        with pytest.raises(PurgeRefused, match=f"query log {granted.pk} is missing"):
            purge_expired(by=auditor)
    assert AuditEntry.objects.count() == before
    with pytest.raises(CommandError, match="Nothing was purged"):
        call_command("purge_audit_trail", "--by", auditor.username, stdout=StringIO())


def test_a_row_changed_after_the_purges_table_check_still_refuses_it(long_ago, disc, settings, monkeypatch) -> None:
    """The table check takes minutes at a city's scale, and the carry is planned after it:
    a query deleted in between used to be left out of the carry, silently, and its entry
    (the only evidence) purged. The plan now refuses as the check does."""
    from datetime import timedelta

    import time_machine
    from django.utils import timezone

    from credit_portal import audit_anchor, trail_checks
    from credit_portal.audit_anchor import PurgeRefused, purge_expired
    from credit_portal.models import AuditEntry
    from credit_portal.roles import Role
    from tests import factories as f

    granted, _refused = _queried(disc)
    auditor = f.make_user("the-auditor", roles=(Role.AUDITOR,), is_staff=True)
    long_ago()
    real = trail_checks.run_all

    def check_then_delete():  # noqa: ANN202
        found = real()
        QueryLog.objects.filter(pk=granted.pk).delete()  # the insider, while the check finished
        return found

    monkeypatch.setattr(audit_anchor.trail_checks, "run_all", check_then_delete)
    before = AuditEntry.objects.count()
    with time_machine.travel(timezone.now() - timedelta(days=settings.AUDIT_RETENTION_DAYS + 10)):
        with pytest.raises(PurgeRefused, match=f"query log {granted.pk} is missing"):
            purge_expired(by=auditor)
    assert AuditEntry.objects.count() == before
