"""An insider with database write access and the yearly findings' retention (a review's
findings, each of which this file proved before the fix).

``decided_on`` and ``display_until`` are derived at signing and outside the finding's
seal: the purge trusted the stored day (a rewound one had a recent serious finding
deleted as if lawfully; an emptied one kept a finding for good), and ``verify_tables``
compared neither. The purge now counts from what the seal covers, and the check names a
day the signature does not give or a display end outside the rules' bounds. A finding
the purge deleted, put back under a new id with its seal, is named too."""

from __future__ import annotations

from datetime import date

import pytest

from archives.models import AnnualFinding, Evidence
from archives.services.retention import purge_expired_negative_information
from disclosure.models import CreditReport
from disclosure.services.reports import issue_report
from tests.archives.conftest import at, sign_finding
from tests.archives.test_findings_check import _verify

pytestmark = pytest.mark.django_db


def _verify_problems() -> str:
    try:
        return _verify()
    except Exception as caught:  # noqa: BLE001 - CommandError: the problems
        return "PROBLEMS: " + str(caught)


def test_rewound_decided_on_makes_the_purge_delete_a_recent_serious_finding(world) -> None:
    with at(date(2026, 2, 1)):
        serious = sign_finding(world, year=2025, status=AnnualFinding.Status.SERIOUS)
    assert serious.decided_on == date(2025, 12, 31)
    # The insider: one UPDATE of a column the seal does not cover.
    AnnualFinding.objects.filter(pk=serious.pk).update(decided_on=date(2019, 1, 1))
    purge_expired_negative_information(today=date(2026, 6, 1))
    # A 2025 serious finding must stay until 2030-12-31 (art. 16 counts from its decision).
    assert AnnualFinding.objects.filter(pk=serious.pk).exists(), (
        "the purge deleted a serious finding decided 2025-12-31 because its unsealed decided_on was rewound; "
        f"verify_tables says: {_verify_problems()[:200]}")


def test_nulled_decided_on_keeps_a_serious_finding_past_its_five_years(world) -> None:
    with at(date(2020, 2, 1)):
        serious = sign_finding(world, year=2019, status=AnnualFinding.Status.SERIOUS)
    AnnualFinding.objects.filter(pk=serious.pk).update(decided_on=None)
    purge_expired_negative_information(today=date(2025, 1, 1))
    assert not AnnualFinding.objects.filter(pk=serious.pk).exists(), (
        "a signed serious finding with decided_on NULL is never purged (neither the `decided` nor the `drafts` "
        f"query reaches it); verify_tables says: {_verify_problems()[:200]}")


def test_verify_tables_names_an_extended_display_until(world) -> None:
    with at(date(2020, 2, 1)):
        serious = sign_finding(world, year=2019, status=AnnualFinding.Status.SERIOUS)
    assert serious.display_until == date(2022, 12, 31)
    AnnualFinding.objects.filter(pk=serious.pk).update(display_until=date(2030, 1, 1))
    with at(date(2024, 6, 1)):
        report = issue_report(world.archive.subject, kind=CreditReport.Kind.SELF, to_user=world.edu_clerk)
    years = [f["year"] for a in report.content["archives"] for f in a.get("findings", [])]
    assert 2019 in years  # the harm: shown 18 months past its display period
    assert "PROBLEMS" in _verify_problems(), "verify_tables is clean although display_until was rewritten"


def test_a_purged_finding_put_back_under_a_new_id_is_named(world) -> None:
    with at(date(2020, 2, 1)):
        serious = sign_finding(world, year=2019, status=AnnualFinding.Status.SERIOUS)
    row = AnnualFinding.objects.filter(pk=serious.pk).values().get()
    proofs = list(Evidence.objects.filter(finding=serious).values())
    purge_expired_negative_information(today=date(2025, 1, 1))
    assert not AnnualFinding.objects.filter(archive=world.archive, year=2019).exists()
    assert "Every checked table matches" in _verify()
    # The insider puts it back from a backup, under a fresh id, seal and all.
    row.pop("id")
    row["display_until"] = date(2030, 1, 1)
    back = AnnualFinding.objects.create(**row)
    for proof in proofs:  # its evidence rows too (the digests the seal covers)
        proof.pop("id")
        Evidence.objects.create(**{**proof, "finding_id": back.pk})
    from archives.selectors import finding_seal_intact
    assert finding_seal_intact(back)  # the seal does not bind the id
    with at(date(2025, 3, 1)):
        report = issue_report(world.archive.subject, kind=CreditReport.Kind.SELF, to_user=world.edu_clerk)
    assert 2019 in [f["year"] for a in report.content["archives"] for f in a.get("findings", [])]
    assert "PROBLEMS" in _verify_problems(), (
        "a finding deleted at its retention limit is back (new id, valid seal), in reports, and verify_tables is clean")
