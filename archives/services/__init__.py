"""Writes of the archives app. Import from here: ``from archives import services``."""

from archives.services.evidence import attach_evidence, check_upload
from archives.services.findings import draft_finding, sign_finding
from archives.services.notices import notify_subject
from archives.services.records import (
    add_months,
    categories_for,
    correct_record,
    display_until_for,
    draft_record,
    edit_record,
    expire_records,
    mark_repaired,
    publish_record,
    return_record,
    set_objection_flag,
    submit_record,
    withdraw_record,
)
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
    "add_months", "attach_evidence", "categories_for", "check_upload", "close_archive", "correct_record",
    "display_until_for", "draft_finding", "draft_record", "edit_record", "expire_records", "find_or_create_subject",
    "find_subject_by_id_number", "mark_repaired", "notify_subject", "open_archive", "publish_record", "return_record",
    "set_objection_flag", "share_archive", "sign_finding", "submit_record", "update_archive", "update_subject",
    "withdraw_record",
]
