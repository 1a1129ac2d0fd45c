"""PostgreSQL: imported rows are written with COPY. What people type (line breaks, tabs,
backslashes) arrives unchanged, the encrypted ID number and phone decrypt on their own
row, ids come from the sequences, and records made by COPY behave like any record."""

from __future__ import annotations

import pytest

from archives import services
from archives.models import CreditRecord
from credit_portal.models import AuditEntry
from tests.intake.conftest import filled, row
from tests.intake.test_importer import run

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]


def test_copy_keeps_typed_text_and_encrypts_on_the_row(world) -> None:
    text = "第一行\n第二行\t制表\\反斜杠"
    outcome = run(world, filled(world.teacher, [row(1, description=text, phone="13800001111"),
                                                row(2, polarity="正面", severity="", category=world.basic.name,
                                                    is_penalty="")]), submit=True)
    assert outcome.created == 2
    first = CreditRecord.objects.select_related("archive__subject").get(pk=outcome.record_ids[2])
    assert first.description == text
    assert first.state == CreditRecord.State.DRAFT  # negative: waits for its evidence
    subject = first.archive.subject
    assert subject.phone == "13800001111"
    assert len(subject.id_number) == 18
    assert services.find_subject_by_id_number(subject.id_number) == subject
    positive = CreditRecord.objects.get(pk=outcome.record_ids[3])
    assert positive.state == CreditRecord.State.SUBMITTED
    assert positive.submitted_at is not None
    # Four eyes: the importing clerk's records are published by a reviewer, not by the clerk.
    published = services.publish_record(positive, by=world.edu_reviewer)
    assert published.state == CreditRecord.State.PUBLISHED
    entry = AuditEntry.objects.get(action="intake.batch.imported")
    assert entry.detail["records"] == 2
    assert entry.detail["submitted"] == 1
    # The sequences moved past the ids COPY used: the web form's next record does not collide.
    later = services.draft_record(first.archive, by=world.edu_clerk, category=world.basic, polarity="positive",
                                  title="之后的记录", occurred_on=first.occurred_on, decided_on=first.decided_on)
    assert later.pk > max(outcome.record_ids.values())
