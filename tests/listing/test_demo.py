"""The demo shows the procedure: a listing in its objection window, published ones on the
public list, a joint-punishment case with one department's feedback overdue."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from archives.listing.models import Listing
from archives.listing.selectors import cases_visible_to
from credit_portal.models import User
from disclosure.selectors import dishonesty_list


@pytest.mark.django_db
def test_demo_has_every_stage_and_is_idempotent(settings, tmp_path) -> None:
    settings.LOCAL_DIR = tmp_path
    settings.SMS_BACKEND = "credit_portal.notify.MemorySMSBackend"
    call_command("load_demo_data", stdout=StringIO())
    today = timezone.localdate()
    in_window = Listing.objects.filter(state=Listing.State.PROPOSED, objection_due__gte=today)
    assert in_window.count() == 1
    assert dishonesty_list().values("subject").distinct().count() >= 2
    overview = {case.listing.subject.name: case for case in cases_visible_to(User.objects.get(username="demo_credit_office"))}
    assert overview["演示医师甲"].overdue == 1  # one department has not reported back in time
    assert overview["演示律师丙"].overdue == 0
    count = Listing.objects.count()
    call_command("load_demo_data", stdout=StringIO())
    assert Listing.objects.count() == count
