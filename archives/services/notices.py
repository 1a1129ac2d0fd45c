"""Notices to subjects: stored for the citizen portal and sent by SMS after commit."""

from __future__ import annotations

from django.db import transaction

from archives.models import CreditRecord, Notice, Subject
from credit_portal.notify import send_sms


def notify_subject(
    subject: Subject, *, kind: str, title: str, body: str, record: CreditRecord | None = None
) -> Notice:
    """Store a notice for ``subject`` in the caller's transaction; the SMS goes out only
    once that transaction commits, so a rolled-back change sends nothing."""
    notice = Notice.objects.create(subject=subject, kind=kind, title=title, body=body, record=record)
    phone = subject.phone
    if phone:
        transaction.on_commit(lambda: send_sms(phone, f"【信用档案】{title}"))
    return notice
