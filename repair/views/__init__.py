"""Pages of the repair app (journey 3, DESIGN §1, §5, §10): thin views over
``repair.services`` (writes), ``repair.selectors`` (reads) and ``repair.permissions``
(who may act), by audience."""

from repair.views.citizen import (
    add_files,
    filed,
    my_case,
    my_repair,
    objection_check,
    objection_new,
    rate,
    repair_check,
    repair_new,
    statement_new,
    withdraw,
)
from repair.views.department import department_queue, draft_answer, sign_answer
from repair.views.files import case_file
from repair.views.office import (
    ask_for_material,
    case_accept,
    case_assign,
    case_conclude,
    case_detail,
    case_refuse,
    closed_cases,
    concluded,
    queue,
    rating_follow_up,
    ratings,
    send_back,
)

__all__ = [
    "add_files", "ask_for_material", "case_accept", "case_assign", "case_conclude", "case_detail", "case_file", "case_refuse", "closed_cases", "concluded",
    "department_queue", "draft_answer", "filed", "my_case", "my_repair", "objection_check", "objection_new", "queue",
    "rate", "rating_follow_up", "ratings", "repair_check", "repair_new", "send_back", "sign_answer", "statement_new", "withdraw",
]
