"""Writes of the repair app. Import from here: ``from repair import services``.

Every transition opens one transaction, re-reads the case with ``select_for_update()``,
asks ``repair.permissions`` who may act and checks the state, saves, appends its
timeline step, writes the audit trail and emits the step's outbox event. Outcomes for
credit records go through ``archives.services`` only (a correction is a new version).
"""

from repair.services.answers import draft_answer, send_back_answer, sign_answer
from repair.services.applicant import add_case_files, withdraw_case
from repair.services.applications import (
    Eligibility,
    accept_repair,
    apply_for_repair,
    commitment_text_for,
    decide_repair,
    minimum_months,
    refuse_repair,
    repair_eligibility,
)
from repair.services.assignment import assign_case
from repair.services.material_requests import request_material
from repair.services.objections import (
    accept_objection,
    add_personal_statement,
    conclude_objection,
    file_objection,
    refuse_objection,
)
from repair.services.ratings import follow_up_rating, rate_case
from repair.services.uploads import drop_uploads, purge_abandoned_uploads, stash_uploads, unstash_uploads

__all__ = [
    "Eligibility", "accept_objection", "add_case_files", "accept_repair", "add_personal_statement", "apply_for_repair", "assign_case",
    "commitment_text_for", "conclude_objection", "decide_repair", "draft_answer", "drop_uploads", "file_objection",
    "follow_up_rating", "minimum_months", "purge_abandoned_uploads", "rate_case", "refuse_objection", "refuse_repair",
    "repair_eligibility", "request_material", "send_back_answer", "sign_answer", "stash_uploads", "unstash_uploads", "withdraw_case",
]
