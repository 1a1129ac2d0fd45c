"""A personal statement (本人声明, DESIGN §7) reaches the staff archive page and credit
reports through archives' annotation registry, which repair fills in its
AppConfig.ready(); neither archives nor disclosure imports repair (DESIGN §2)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from archives import annotations
from disclosure.services.registration import link_citizen
from disclosure.services.reports import issue_self_report
from repair import services
from repair.selectors import personal_statements_for
from tests.repair.conftest import answer, publish

pytestmark = pytest.mark.django_db
STATEMENT = "本人声明：当日在外地出差。"


@pytest.fixture
def stated(world):
    """A record whose objection could not be verified, with the subject's statement."""
    link_citizen(world.citizen, world.subject, by=world.credit_office)
    # Decided a month ago, so the record is on display whenever the suite runs: reports
    # leave out records whose display period has ended.
    today = timezone.localdate()
    record = publish(world, occurred_on=today - timedelta(days=40), decided_on=today - timedelta(days=30))
    objection = services.file_objection(record, by=world.citizen, reasons="不是我")
    objection = services.accept_objection(objection, by=world.credit_office)
    objection = answer(world, objection, proposal="unverifiable", reason="材料缺失")
    objection = services.conclude_objection(objection, by=world.credit_office, reason="无法核实")
    services.add_personal_statement(objection, by=world.citizen, text=STATEMENT)
    return record


def test_repair_registers_its_provider_when_django_starts() -> None:
    assert personal_statements_for in annotations._statement_providers


def test_staff_archive_page_shows_the_statement(client, world, stated) -> None:
    client.force_login(world.edu_clerk)
    html = client.get(reverse("archives:archive", args=[world.archive.pk])).content.decode()
    assert STATEMENT in html


def test_staff_archive_page_shows_no_statement_without_a_provider(client, world, stated, monkeypatch) -> None:
    monkeypatch.setattr(annotations, "_statement_providers", [])
    client.force_login(world.edu_clerk)
    html = client.get(reverse("archives:archive", args=[world.archive.pk])).content.decode()
    assert STATEMENT not in html


def test_self_report_carries_the_statement(world, stated) -> None:
    report = issue_self_report(world.subject, by=world.citizen)
    records = [r for archive in report.content["archives"] for r in archive["records"]]
    assert [r["statement"] for r in records if r["title"] == stated.title] == [STATEMENT]


def test_repair_registers_its_statement_expression_when_django_starts() -> None:
    from repair.selectors import personal_statement_of_record

    assert personal_statement_of_record in annotations._statement_expressions


def test_the_expression_gives_what_the_provider_gives(world, stated) -> None:
    """Reports read statements as an expression on the record rows; the staff page reads
    them through the provider: both give the same text, the latest statement winning."""
    from archives.models import CreditRecord
    from disclosure.hooks import personal_statement_expression

    other = publish(world)
    objection = services.file_objection(stated, by=world.citizen, reasons="仍然不是我")
    objection = services.accept_objection(objection, by=world.credit_office)
    objection = answer(world, objection, proposal="unverifiable", reason="材料仍缺失")
    objection = services.conclude_objection(objection, by=world.credit_office, reason="仍无法核实")
    services.add_personal_statement(objection, by=world.citizen, text="本人再次声明。")
    lineages = [stated.lineage, other.lineage]
    by_expression = dict(
        CreditRecord.objects.filter(lineage__in=lineages).annotate(s=personal_statement_expression())
        .values_list("lineage", "s").distinct()
    )
    assert by_expression == {stated.lineage: "本人再次声明。", other.lineage: None}
    assert personal_statements_for(lineages) == {stated.lineage: "本人再次声明。"}


def test_self_report_has_no_statement_without_a_provider(world, stated, monkeypatch) -> None:
    from archives.hooks import Registry

    monkeypatch.setattr(annotations, "_statement_expressions", Registry())
    report = issue_self_report(world.subject, by=world.citizen)
    records = [r for archive in report.content["archives"] for r in archive["records"]]
    assert records
    assert all(r["statement"] is None for r in records)


def test_the_person_sees_their_own_statement_with_the_record(client, world, stated) -> None:
    """Institutions read the statement with the record in reports: the person reads it
    there too, on their own archive page."""
    client.force_login(world.citizen)
    html = client.get(reverse("disclosure:my_archive", args=[world.archive.pk])).content.decode()
    card = html[html.index(stated.title):]
    card = card[: card.index("</dl>")]
    assert STATEMENT in card
    assert "您的本人声明" in card
