"""The credit record lifecycle (DESIGN §5).

draft → submitted → published; submitted → returned → submitted; published →
corrected (a new version) | withdrawn | repaired | expired. Each transition is one
function: it locks the row, checks who may act and whether the state allows it, saves,
writes the audit trail and emits the outbox event in one transaction.

By subject: ``content`` (what a record may contain, the checks every writer applies),
``display`` (display periods), ``drafting`` (the clerk's side), ``review`` (return and
publication, with the notices they carry), ``versions`` (a settled correction or
withdrawal written), ``outcomes`` (what a concluded case does to a record), ``common``
(the lock and the audit entry every transition shares). Import from here.
"""

from archives.services.records.content import EDITABLE_FIELDS, categories_for, check_correction, validate_record_content
from archives.services.records.display import add_months, display_rule_for, display_until_for, repairable_from
from archives.services.records.drafting import delete_draft, draft_record, edit_record, submit_record
from archives.services.records.outcomes import correct_record, mark_repaired, set_objection_flag, withdraw_record
from archives.services.records.review import publish_record, return_record, send_pre_publication_notice
from archives.services.records.versions import apply_correction, apply_withdrawal, escalates, new_version

__all__ = [
    "EDITABLE_FIELDS", "add_months", "apply_correction", "apply_withdrawal", "categories_for", "check_correction",
    "correct_record", "delete_draft", "display_rule_for", "display_until_for", "draft_record", "edit_record",
    "escalates", "mark_repaired", "new_version", "publish_record", "repairable_from", "return_record",
    "send_pre_publication_notice",
    "set_objection_flag", "submit_record", "validate_record_content", "withdraw_record",
]
