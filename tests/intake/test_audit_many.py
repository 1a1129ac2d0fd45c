"""audit.record_many: the same chain as record(), one lock; the same refusals."""

from __future__ import annotations

import pytest
from django.db import transaction

from credit_portal import audit
from credit_portal.models import AuditEntry

pytestmark = pytest.mark.django_db


def test_many_entries_extend_the_chain_and_verify(world) -> None:
    audit.record("first", actor=world.edu_clerk, target=world.archive)
    with transaction.atomic():
        written = audit.record_many(
            [audit.PlannedEntry("bulk.one", world.archive, str(world.subject.pk), {"n": i}) for i in range(5)],
            actor=world.edu_clerk,
        )
    audit.record("last", actor=world.edu_clerk, target=world.archive)
    assert written == 5
    actions = list(AuditEntry.objects.order_by("sequence").values_list("action", flat=True))[-7:]
    assert actions == ["first", *["bulk.one"] * 5, "last"]
    assert audit.verify_chain().ok


def test_refuses_personal_data_and_writes_nothing(world) -> None:
    before = AuditEntry.objects.count()
    with pytest.raises(ValueError, match="ID number"), transaction.atomic():
        audit.record_many([audit.PlannedEntry("x", world.archive, "", {"n": world.subject.id_number})], actor=None)
    assert AuditEntry.objects.count() == before
