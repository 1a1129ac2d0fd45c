"""After `load_demo_data` the credit office's queue is alive: cases in several stages,
one of them overdue."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from credit_portal.models import User
from repair import selectors

pytestmark = pytest.mark.django_db


def test_demo_fills_several_stages_with_one_overdue(settings, tmp_path):
    settings.LOCAL_DIR = tmp_path
    call_command("load_demo_data", stdout=io.StringIO())
    officer = User.objects.get(username="demo_credit_office")
    stages = selectors.queue(officer)
    filled = [name for name, stage in stages.items() if stage.cases]
    assert len(filled) >= 3
    assert any(case.overdue for stage in stages.values() for case in stage.cases)


def test_demo_case_headers_and_timelines_tell_the_same_dates(settings, tmp_path):
    """The case header (filed, deadline) and the timeline agree for every demo case,
    including the one backdated to be overdue."""
    from django.utils import timezone

    from repair import case_types
    from repair.models import Objection, RepairApplication

    settings.LOCAL_DIR = tmp_path
    call_command("load_demo_data", stdout=io.StringIO())
    cases = [*Objection.objects.all(), *RepairApplication.objects.all()]
    assert cases
    for case in cases:
        events = list(selectors.case_events(case))
        filed = next(e for e in events if e.action == "filed")
        assert timezone.localdate(filed.at) == timezone.localdate(case.filed_at), case.reference
        assert filed.due == case.accept_due, case.reference
        assert all(e.at >= filed.at for e in events), case.reference
        accepted = [e for e in events if e.action == "accepted"]
        if accepted:
            assert accepted[0].due == case.decide_due, case.reference
        rule = case_types.of(case).accept_rule
        from repair import deadlines

        assert case.accept_due == deadlines.due_from(rule, filed_on=timezone.localdate(case.filed_at))
