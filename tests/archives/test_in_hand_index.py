"""A clerk's records in hand are read from one small partial index on PostgreSQL, not
by scanning every record: the "my items" page's counts took 0.7 s each at 1,000,000
people before (docs/benchmarks.md, fifteenth session). The planner is told not to scan
the table, and other clerks hold many drafts (as in any city), so the test shows the
index the planner picks when another one (drafts of every clerk, by state) would also
answer: with a handful of rows the two cost the same and the choice was a coin toss."""

from __future__ import annotations

import uuid

import pytest
from django.db import connection, transaction

from archives import selectors, services
from archives.models import CreditRecord
from tests.archives.conftest import World, draft_negative

pytestmark = pytest.mark.django_db


@pytest.fixture
def postgres() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("partial index plans: PostgreSQL only (make test with DATABASE_URL)")


def _plan(queryset) -> str:  # type: ignore[no-untyped-def]
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_bitmapscan = off")
        return queryset.explain()


def _other_clerks_drafts(world: World, count: int) -> None:
    template = draft_negative(world)
    copies = []
    for _ in range(count):
        copy = CreditRecord.objects.get(pk=template.pk)
        copy.pk, copy.lineage, copy.created_by = None, uuid.uuid4(), world.health_clerk
        copies.append(copy)
    CreditRecord.objects.bulk_create(copies)
    CreditRecord.objects.filter(pk=template.pk).update(created_by=world.health_clerk)
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {CreditRecord._meta.db_table}")


def test_my_items_and_dashboard_drafts_use_the_in_hand_index(postgres, world: World) -> None:
    _other_clerks_drafts(world, 500)
    draft_negative(world)
    services.submit_record(draft_negative(world), by=world.edu_clerk)
    mine = CreditRecord.objects.filter(created_by=world.edu_clerk, is_current=True, state__in=selectors.MY_RECORD_STATES)
    assert "record_in_hand_by_author" in _plan(mine.values("id"))
    assert "record_in_hand_by_author" in _plan(selectors.my_items(world.edu_clerk)["records"].order_by("-updated_at"))
    drafts = CreditRecord.objects.filter(created_by=world.edu_clerk, is_current=True, state=CreditRecord.State.DRAFT)
    assert "record_in_hand_by_author" in _plan(drafts.order_by("-updated_at")[:20])
