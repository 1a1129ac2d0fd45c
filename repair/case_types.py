"""The case-type registry: what objections and repair applications share, as data.

Flow code (timeline steps, audit entries, outbox events, files, ratings, reminders,
URLs) asks the registry for the case's type instead of switching on its class, so a
third kind of case is one more entry here. Names used for one concept:

- ``slug`` in URLs and templates (``objection`` / ``application``),
- ``audit_object`` in audit actions ``repair.<object>.<verb>``,
- ``event_prefix`` of outbox events (fixed by docs/exchange/schema-v1.json),
- ``reference_prefix`` of the reference a citizen quotes (异议 YY, 修复 XF),
- ``fk_name``: the name of the foreign key rows of CaseEvent, CaseFile and Rating use.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.utils.functional import Promise
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _

from repair.models import DeadlineRule, Objection, RepairApplication

Case = Objection | RepairApplication


@dataclass(frozen=True)
class CaseType:
    slug: str
    model: type[Objection] | type[RepairApplication]
    audit_object: str
    event_prefix: str
    id_key: str
    reference_prefix: str
    fk_name: str
    accept_rule: str
    decide_rule: str
    label: Promise
    sent_label: Promise
    # The open state in which the credit office concludes (objection: once the
    # department has answered; repair application: once accepted).
    conclude_state: str
    accepted_state: str
    # Whether the keeping department answers before the credit office concludes.
    department_answers: bool
    # Services, by dotted path (the services import this module).
    accept_service: str
    refuse_service: str
    # Whether an open case flags its record as under objection (cleared when it ends).
    flags_record: bool
    # The payload of ``<event_prefix>.concluded`` (case, record, outcome) -> dict.
    concluded_payload: str
    # The conclusion: its form's cleaned data are the service's keyword arguments.
    conclude_service: str
    conclude_form: str


OBJECTION = CaseType(
    slug="objection", model=Objection, audit_object="objection", event_prefix="objection", id_key="objection_id",
    reference_prefix="YY", fk_name="objection", accept_rule=DeadlineRule.Key.OBJECTION_ACCEPT,
    decide_rule=DeadlineRule.Key.OBJECTION_CONCLUDE, label=_("Objection"), sent_label=_("Objection sent"),
    conclude_state=Objection.State.PROPOSED, accepted_state=Objection.State.VERIFYING, department_answers=True,
    accept_service="repair.services.accept_objection", refuse_service="repair.services.refuse_objection",
    conclude_service="repair.services.conclude_objection", conclude_form="repair.forms.ConcludeForm",
    flags_record=True, concluded_payload="repair.services.objections.concluded_payload",
)
APPLICATION = CaseType(
    slug="application", model=RepairApplication, audit_object="application", event_prefix="repair",
    id_key="application_id", reference_prefix="XF", fk_name="application", accept_rule=DeadlineRule.Key.REPAIR_ACCEPT,
    decide_rule=DeadlineRule.Key.REPAIR_DECIDE, label=_("Credit repair application"),
    sent_label=_("Repair application sent"), conclude_state=RepairApplication.State.ACCEPTED,
    accepted_state=RepairApplication.State.ACCEPTED, department_answers=False,
    accept_service="repair.services.accept_repair", refuse_service="repair.services.refuse_repair",
    conclude_service="repair.services.decide_repair", conclude_form="repair.forms.DecideRepairForm",
    flags_record=False, concluded_payload="repair.services.applications.concluded_payload",
)

BY_SLUG: dict[str, CaseType] = {t.slug: t for t in (OBJECTION, APPLICATION)}
_BY_MODEL: dict[type, CaseType] = {t.model: t for t in BY_SLUG.values()}


def service(path: str) -> Callable[..., Any]:
    """A service named by the registry (imported late: the services import this module)."""
    return import_string(path)


def of(case: Case) -> CaseType:
    """The registry entry of ``case``."""
    return _BY_MODEL[type(case)]


def by_slug(slug: str) -> CaseType | None:
    return BY_SLUG.get(slug)


def owner_kwargs(case: Case) -> dict[str, Case]:
    """``{"objection": case}`` or ``{"application": case}`` for rows that belong to a case."""
    return {of(case).fk_name: case}


def case_of(row: object) -> Case:
    """The case a CaseEvent, CaseFile or Rating row belongs to (exactly one is set)."""
    for case_type in BY_SLUG.values():
        if getattr(row, f"{case_type.fk_name}_id", None) is not None:
            return getattr(row, case_type.fk_name)
    raise ValueError("row belongs to no case")
