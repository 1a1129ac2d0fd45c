"""The demo shows the procedure: the demo citizen's own listing in its objection window
(objectable from /my/), published ones on the public list, a joint-punishment case with
one department's feedback overdue."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from archives.demo import DEMO_CITIZEN_NAME
from archives.listing.models import Listing
from archives.listing.selectors import cases_visible_to
from archives.models import CreditRecord
from credit_portal.models import User
from disclosure.public_lists import dishonesty_list
from disclosure.selectors import subject_for


@pytest.mark.django_db
def test_demo_has_every_stage_and_is_idempotent(settings, tmp_path, client) -> None:
    settings.LOCAL_DIR = tmp_path
    settings.SMS_BACKEND = "credit_portal.notify.MemorySMSBackend"
    call_command("load_demo_data", stdout=StringIO())
    today = timezone.localdate()
    in_window = Listing.objects.filter(state=Listing.State.PROPOSED, objection_due__gte=today)
    # 演示教师丁's, for staff, and the demo citizen's own.
    assert in_window.count() == 2
    citizen = User.objects.get(username="demo_citizen")
    own = in_window.get(subject__name=DEMO_CITIZEN_NAME)
    assert subject_for(citizen).pk == own.subject_id
    assert dishonesty_list().values("subject").distinct().count() >= 2
    overview = {case.listing.subject.name: case for case in cases_visible_to(User.objects.get(username="demo_credit_office"))}
    assert overview["演示医师甲"].overdue == 1  # one department has not reported back in time
    assert overview["演示律师丙"].overdue == 0
    count = Listing.objects.count()
    records = CreditRecord.objects.count()
    call_command("load_demo_data", stdout=StringIO())
    assert Listing.objects.count() == count
    assert CreditRecord.objects.count() == records
    # The citizen finds the notice under /my/ and states their case within the window.
    client.force_login(citizen)
    page = reverse("disclosure:my_listing", args=[own.pk])
    assert page in client.get(reverse("disclosure:my_listings")).content.decode()
    assert 'name="text"' in client.get(page).content.decode()
    response = client.post(page, {"text": "演示：学时证明系培训机构出具，本人不知情。"})
    assert response.status_code == 302
    own.refresh_from_db()
    assert own.objected_at is not None
