"""Two officers concluding the same case at once: exactly one wins."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from archives.models import CreditRecord
from credit_portal.exceptions import TransitionNotAllowed
from exchange.models import OutboxEvent
from repair import services
from repair.models import Objection
from tests.repair.conftest import answer, publish

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _display_rules(db) -> None:
    # A transactional test's flush also empties the rows data migrations loaded.
    from importlib import import_module

    from django.apps import apps

    import_module("archives.migrations.0002_display_rules").load(apps, None)


@pytest.mark.parametrize("proposal", ["correct", "keep"])
def test_two_officers_concluding_at_once_cannot_both_win(links, world, officer2, proposal: str) -> None:
    # "keep" changes no record, so only the case's own row lock and state check
    # decide the race there; "correct" also meets the record's lock.
    record = publish(world)
    objection = services.file_objection(record, by=world.citizen, reasons="不是我")
    services.accept_objection(objection, by=world.credit_office)
    objection.refresh_from_db()
    answer(world, objection, proposal=proposal, reason="核查",
           changes={"decision_number": "新号"} if proposal == "correct" else None)
    barrier = threading.Barrier(2)
    results: list[object] = []

    def conclude(officer: object) -> None:
        try:
            barrier.wait()
            services.conclude_objection(Objection.objects.get(pk=objection.pk), by=officer, reason="结论")
            results.append("won")
        except TransitionNotAllowed as exc:
            results.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=conclude, args=(u,)) for u in (world.credit_office, officer2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert results.count("won") == 1
    assert len([r for r in results if isinstance(r, TransitionNotAllowed)]) == 1
    # One correction, one conclusion event: the loser changed nothing.
    assert CreditRecord.objects.filter(lineage=record.lineage).count() == (2 if proposal == "correct" else 1)
    assert OutboxEvent.objects.filter(event_type="objection.concluded").count() == 1
