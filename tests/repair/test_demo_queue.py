"""After `load_demo_data` the credit office's queue is alive: cases in several stages,
one of them overdue (issue 6, point 6)."""

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
    filled = [name for name, cases in stages.items() if cases]
    assert len(filled) >= 3
    assert any(case.overdue for cases in stages.values() for case in cases)
