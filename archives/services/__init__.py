"""Writes of the archives app. Import from here: ``from archives import services``."""

from archives.services.changes import (
    approve_change,
    cancel_change,
    propose_correction,
    propose_withdrawal,
    reject_change,
)
from archives.services.evidence import attach_evidence, check_upload, delete_evidence
from archives.services.findings import delete_draft_finding, draft_finding, sign_finding
from archives.services.notices import notify_subject
from archives.services.records import (
    add_months,
    categories_for,
    correct_record,
    delete_draft,
    display_until_for,
    draft_record,
    edit_record,
    mark_repaired,
    publish_record,
    return_record,
    set_objection_flag,
    submit_record,
    withdraw_record,
)
from archives.services.retention import expire_records, purge_expired_negative_information
from archives.services.subjects import (
    close_archive,
    find_or_create_subject,
    find_subject_by_id_number,
    open_archive,
    share_archive,
    update_archive,
    update_subject,
)

__all__ = [
    "add_months", "approve_change", "attach_evidence", "cancel_change", "delete_draft", "delete_draft_finding", "delete_evidence",
    "propose_correction", "propose_withdrawal", "purge_expired_negative_information", "reject_change", "categories_for", "check_upload", "close_archive", "correct_record",
    "display_until_for", "draft_finding", "draft_record", "edit_record", "expire_records", "find_or_create_subject",
    "find_subject_by_id_number", "mark_repaired", "notify_subject", "open_archive", "publish_record", "return_record",
    "set_objection_flag", "share_archive", "sign_finding", "submit_record", "update_archive", "update_subject",
    "withdraw_record",
]
