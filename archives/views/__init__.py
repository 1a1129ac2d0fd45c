"""Pages for department clerks and reviewers, one module per subject.

Each view is thin: a selector finds the object in the user's scope (``NotFound`` →
404, so a department never learns that another keeps someone), a predicate of
``archives.permissions`` says whether the user may act (403 otherwise; the same
predicates give the templates their flags), a form checks what was typed, a service
does the change, then a redirect. ID numbers and phone numbers never travel in a URL:
searches and "show in full" are POSTs.
"""

from archives.views.archives import (
    archive_close,
    archive_detail,
    archive_edit,
    archive_export,
    archive_open,
    archive_print,
    archive_reveal,
)
from archives.views.changes import (
    change_approve,
    change_cancel,
    change_detail,
    change_evidence,
    change_reject,
    record_correct,
    record_withdraw,
)
from archives.views.dashboard import dashboard, my_items, review_queue
from archives.views.evidence import evidence_delete, evidence_download, record_evidence
from archives.views.findings import (
    finding_delete,
    finding_detail,
    finding_evidence,
    finding_new,
    finding_sign,
    finding_signed,
)
from archives.views.overdue import overdue_list
from archives.views.records import (
    record_delete,
    record_detail,
    record_edit,
    record_new,
    record_publish,
    record_published,
    record_return,
    record_review,
    record_submit,
)
from archives.views.subjects import find_subject, register_person, subject_detail, subject_edit

__all__ = [
    "archive_close", "archive_detail", "archive_edit", "archive_export", "archive_open", "archive_print",
    "archive_reveal", "change_approve", "change_cancel", "change_detail", "change_evidence", "change_reject",
    "dashboard", "overdue_list", "evidence_delete", "evidence_download", "find_subject", "finding_delete", "finding_detail", "finding_evidence",
    "finding_new", "finding_sign", "finding_signed", "my_items", "record_correct", "record_delete", "record_detail",
    "record_edit", "record_evidence", "record_new", "record_publish", "record_published", "record_return",
    "record_review", "record_submit", "record_withdraw", "register_person", "review_queue", "subject_detail",
    "subject_edit",
]
