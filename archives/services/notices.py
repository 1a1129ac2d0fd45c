"""Notices to subjects: stored for the citizen portal and sent by SMS after commit."""

from __future__ import annotations

from archives.models import CreditRecord, Notice, Subject
from credit_portal.notify import queue_sms


def notify_subject(
    subject: Subject, *, kind: str, title: str, body: str, record: CreditRecord | None = None
) -> Notice:
    """Store a notice for ``subject`` in the caller's transaction; the SMS goes out only
    once that transaction commits, so a rolled-back change sends nothing."""
    notice = Notice.objects.create(subject=subject, kind=kind, title=title, body=body, record=record)
    # The notice row commits with the change; the text goes through the SMS queue
    # keyed by the notice, so it is sent once, after the commit, and never lost.
    queue_sms(subject.phone, str(title), key=f"notice:{notice.pk}")
    return notice
