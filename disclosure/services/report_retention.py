"""Stored credit reports past the 5-year retention (《征信业管理条例》 art. 16: "个人不良
信息的保存期限，自不良行为或者事件终止之日起为5年；超过5年的，应当予以删除"): a report
quoting negative information decided before the cutoff loses its content, sealed so that
a deletion by hand reads as altered, and every page that shows a report says so
(docs/disclosure.md, "Past the 5-year retention")."""

from __future__ import annotations

import hmac
from collections.abc import Iterable
from datetime import date
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from archives.models import AnnualFinding
from credit_portal import audit
from credit_portal.crypto import blind_index
from disclosure.models import CreditReport


def oldest_negative_on(content: dict[str, Any]) -> date | None:
    """The earliest decision date of the negative information ``content`` quotes, stored
    with the report (``CreditReport.oldest_negative_on``) so the retention sweep finds the
    reports to blank through an index instead of reading every report's content.

    Negative information is a negative record or a warning or serious yearly finding
    (``AnnualFinding.is_adverse``). A finding quoted by a report issued before reports
    recorded its decision day counts from its year's first day, the earliest that day can
    be (a finding is drafted in its year at the earliest): such a report is blanked no
    later than the law requires, at most a year early."""
    days = [entry["decided_on"] for archive in content.get("archives", []) for entry in archive.get("records", [])
            if entry.get("polarity") == "negative" and entry.get("decided_on")]
    days += [entry.get("decided_on") or f"{int(entry['year']):04d}-01-01"
             for archive in content.get("archives", []) for entry in archive.get("findings", [])
             if entry.get("status") in ADVERSE_STATUSES]
    return date.fromisoformat(min(days)) if days else None


ADVERSE_STATUSES = frozenset({AnnualFinding.Status.WARNING, AnnualFinding.Status.SERIOUS})


def purge_seal(report: CreditReport) -> str:
    """Keyed seal of a blanking (HMAC-SM3 under a key outside the database): a report whose
    content a database writer emptied and marked purged has no valid seal, so it reads as
    altered (audited), not as lawfully deleted."""
    stamp = report.content_purged_at.isoformat() if report.content_purged_at else ""
    return blind_index(f"{report.number}:{report.digest}:{stamp}", purpose="report_content_purged")


def lawfully_purged(report: CreditReport) -> bool:
    """Whether ``report``'s content was deleted by the retention sweep (sealed), not by hand."""
    return report.content_purged_at is not None and hmac.compare_digest(report.purge_seal, purge_seal(report))


def marked(reports: Iterable[CreditReport]) -> list[CreditReport]:
    """``reports`` for a list, each with ``purged``: deleted after the 5-year retention and
    sealed (one whose seal is wrong reads as altered on its own page)."""
    listed = list(reports)
    for report in listed:
        report.purged = lawfully_purged(report)
    return listed


def purge_expired_content(*, cutoff: date, chunk: int = 500) -> int:
    """Blank the stored content of every report that quotes negative information decided
    before ``cutoff``: 《征信业管理条例》 art. 16 "个人不良信息的保存期限…为5年；超过5年的，
    应当予以删除" reaches the portal's copy of a report as it reaches the record. The number,
    the issue time and the digest stay (``content_purged_at``, sealed), so the verification
    still tells a reader the report was issued, and that its content is gone and why.

    Run with every retention purge (``archives.hooks.retention_purged``), each chunk in its
    own transaction; it finds the reports through ``oldest_negative_on`` (a partial index),
    so a report whose record went on an earlier night is blanked too. Returns how many."""
    blanked = 0
    while True:
        with transaction.atomic():
            reports = list(CreditReport.objects.select_for_update(skip_locked=True).filter(
                content_purged_at=None, oldest_negative_on__lt=cutoff).order_by("pk")[:chunk])
            for report in reports:
                report.content = {}
                report.content_purged_at = timezone.now()
                report.purge_seal = purge_seal(report)
                report.save(update_fields=["content", "content_purged_at", "purge_seal"])
                audit.record("disclosure.report.content_purged", target=report, subject_ref=str(report.subject_id),
                             detail={"rule": "art16-5y"})
        blanked += len(reports)
        if len(reports) < chunk:
            return blanked


def purged_message(report: CreditReport) -> str:
    """What a reader of a report whose content was deleted after the retention is told."""
    return _(
        "This report was issued by the portal on %(issued)s. Its content was deleted on %(deleted)s: it quoted "
        "negative information whose 5-year retention had ended, which must then be deleted (Regulation on the "
        "Administration of the Credit Reporting Industry, art. 16). It can no longer be shown or relied on."
    ) % {"issued": timezone.localtime(report.issued_at).date().isoformat(),
         "deleted": timezone.localtime(report.content_purged_at).date().isoformat()}
