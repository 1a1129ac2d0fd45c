"""Objections and repair applications against the audit trail (a check of
``credit_portal.trail_checks``, run by ``manage.py verify_tables``).

A case decides what happens to a person's record: an upheld objection corrects or
withdraws it, an approved repair ends its display, a refusal is final unless the person
goes to court, and the deadlines (《征信业管理条例》 art. 25; DESIGN §7) say when the office
was late. Every change of a case goes through ``services.common.step``, whose entry now
records the case as the step left it (``vouched``: state, outcome, record link, owner,
deadlines, who answered and signed, and one SM3 digest of its free texts), the timeline
step it wrote and how many the case has. So for each case an entry names, the last entry
in the chain's order must describe the row, the steps it names must be there, and the
timeline must hold as many steps as the last one counted. A dismissed objection turned
into an upheld one, a deadline moved, the record link changed, a case or its last step
deleted, is named. Deadlines the official calendar moves (``workdays.enter_official_year``)
are read from its entry; a case the 5-year retention purge deletes with its record writes
an entry of its own (``record_deleted``). Rows no entry names (bulk-loaded bench data)
are not this check's business.

Past the trail's retention (184 days), a concluded case cannot change any more but for
its timeline (a rating, a statement): the purge carries concluded cases forward in bulk
(``trail_checks.carry_rows``: id ranges and the digest of each case's ``row_digest``), a
case deleted with its record since standing in by its deletion entry (``gone``) and left
out when its carried entry is carried again; the few cases still open get a fresh entry
each, like roles (``carry_forward_open_cases``).
"""

from __future__ import annotations

import json
from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import partial
from typing import Any

from django.db.models import Count, Q, QuerySet

from credit_portal import audit
from credit_portal.crypto import sm3_hexdigest
from credit_portal.models import AuditEntry
from credit_portal.trail_checks import (
    CARRY_CHUNK,
    CHAIN_ORDER,
    Carry,
    CarryChanged,
    TableCheck,
    batches,
    carried,
    carry_rows,
    entry_problem,
    where,
)
from repair import case_types
from repair.models import CaseEvent

# The steps ``services.common.step`` writes (``repair.<object>.<step>``); ``step`` refuses
# any other, so that no step goes unchecked.
STEPS = frozenset({
    "filed", "accepted", "refused", "assigned", "material_requested", "files_added", "answer_drafted", "proposed",
    "sent_back", "concluded", "approved", "rejected", "withdrawn", "statement_added", "rated", "rating_followed_up",
})
RESTATED = "restated"  # a case changed outside a step (the demo's backdated case): ``services.common.restate``
CARRIED_FORWARD = "carried_forward"  # an open case whose entries the trail's purge took
DELETED = "deleted"  # deleted with its record by the 5-year retention purge
CARRIED = "carried"  # concluded cases carried forward in bulk
CALENDAR = "credit_portal.calendar.year_entered"
DEADLINE_SOURCE = "repair cases"  # the name ``apps.py`` registers the open deadlines under
# The decision day of the case's record, which nothing seals and from which the 5-year
# retention purge counts (``archives.services.retention``): a database writer who moved it
# back would have a recent case deleted with its record as if lawfully. Recorded in every
# entry written since, and in the deletion entry, so that such a move is named.
DECIDED_ON = "record_decided_on"
# Which fields a carried entry's digest covers (its "compared"): 1, the case without its
# record's decision day (entries carried before it was recorded); 2, with it.
CARRY_VERSION = 2

# What decides a case, as ``vouched`` records it: the model's attribute under each name.
_COMMON = (
    ("state", "state"), ("reference", "reference"), ("record", "record_id"), ("subject", "subject_id"),
    ("filed_by", "filed_by_id"), ("filed_at", "filed_at"), ("assigned_to", "assigned_to_id"),
    ("accept_due", "accept_due"), ("decide_due", "decide_due"), ("accepted_at", "accepted_at"),
    ("concluded_at", "concluded_at"), ("concluded_by", "concluded_by_id"),
    ("material_requested_at", "material_requested_at"),
)
_OWN = {
    "objection": (
        ("result", "result"), ("resulting_record", "resulting_record_id"), ("proposal", "proposal"),
        ("answer_round", "answer_round"), ("drafted_by", "drafted_by_id"), ("proposed_by", "proposed_by_id"),
        ("proposed_at", "proposed_at"),
    ),
    "application": (("commitment_confirmed_at", "commitment_confirmed_at"),),
}
# The free texts, in the entry only as one SM3 digest (the trail holds no text a person typed).
_TEXTS = {
    "objection": ("reasons", "refusal_reason", "proposal_reason", "proposed_changes", "sent_back_reason",
                  "conclusion", "material_request"),
    "application": ("fulfilment", "commitment_text", "extra_actions", "refusal_reason", "conclusion",
                    "material_request"),
}
_SAID = {
    "state": "the state", "record": "the credit record", "subject": "the person", "filed_at": "the filing time",
    "assigned_to": "the officer in charge", "accept_due": "the acceptance deadline",
    "decide_due": "the conclusion deadline", "concluded_by": "who concluded it", "texts": "the written texts",
    "resulting_record": "the resulting record", "drafted_by": "who drafted the answer",
    "proposed_by": "who signed the answer", DECIDED_ON: "the record's decision day",
}


def _plain(value: object) -> object:
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return value if value is None or isinstance(value, int | str) else str(value)  # a UUID key


def _text(value: object) -> str:
    if isinstance(value, dict | list):
        return json.dumps(value, sort_keys=True, ensure_ascii=False)
    return "" if value is None else str(value)


def vouched(case: case_types.Case) -> dict[str, object]:
    """What an entry records of ``case``: no free text, no ID number or phone. Its
    record's decision day too (``DECIDED_ON``): read the cases with
    ``select_related("record")``."""
    slug = case_types.of(case).slug
    out = {name: _plain(getattr(case, attname)) for name, attname in (*_COMMON, *_OWN[slug])}
    out["texts"] = sm3_hexdigest("\x1f".join(_text(getattr(case, name)) for name in _TEXTS[slug]).encode("utf-8"))
    record = getattr(case, "record", None)  # None: the record is gone already (no row to read)
    out[DECIDED_ON] = _plain(record.decided_on) if record is not None else None
    return out


def row_digest(case: case_types.Case, version: int = CARRY_VERSION) -> str:
    """SM3 of ``vouched(case)``: what a carried entry's digest and a deletion entry cover;
    ``version`` 1 without the record's decision day (``CARRY_VERSION``)."""
    fields = vouched(case)
    if version < 2:
        del fields[DECIDED_ON]
    return sm3_hexdigest(json.dumps(fields, sort_keys=True).encode("utf-8"))


def recorded(case: case_types.Case, event: CaseEvent | None) -> dict[str, object]:
    """The part of a step's entry this check reads: the case, its step, its step count."""
    detail: dict[str, object] = {
        "case": vouched(case), "events": CaseEvent.objects.filter(**case_types.owner_kwargs(case)).count(),
    }
    if event is not None:
        detail["event"] = event.pk
    return detail


def record_deleted(sender: type, instance: case_types.Case, **kwargs: Any) -> None:
    """``pre_delete`` of a case: the application deletes one only with its record, past
    the 5-year retention (``archives.services.retention``); the entry says it went, and
    what it said then (as a digest of each carry version, for the carried entries that
    named it) and its record's decision day then, which the check compares with what the
    case's previous entry recorded: a day moved back to have the purge take the case is named."""
    case_type = case_types.of(instance)
    fields = vouched(instance)
    audit.record(
        f"repair.{case_type.audit_object}.deleted", actor=None, target=instance,
        subject_ref=str(instance.subject_id),
        detail={"reference": instance.reference, "record": instance.record_id, DECIDED_ON: fields[DECIDED_ON],
                "digest": row_digest(instance, 1), "digest_2": row_digest(instance, 2)},
    )


@dataclass
class _Expected:
    entry: AuditEntry
    case: dict[str, Any] | None  # None: an entry written before entries recorded the case (its state only)
    events: int | None
    deleted: bool = False


def _actions(case_type: case_types.CaseType) -> list[str]:
    return [f"repair.{case_type.audit_object}.{verb}" for verb in (*STEPS, RESTATED, CARRIED_FORWARD, DELETED)]


def _entries(ids: dict[str, list[int]] | None = None) -> QuerySet[AuditEntry]:
    """The entries that decide cases (all, or those of ``ids`` by slug), and the
    calendar's, which move deadlines, in the chain's order."""
    wanted = Q(action=CALENDAR)
    for case_type in case_types.BY_SLUG.values():
        condition = Q(action__in=_actions(case_type), object_type=case_type.model._meta.label_lower)
        if ids is not None:
            condition &= Q(object_id__in=[str(pk) for pk in ids.get(case_type.slug, [])])
        wanted |= condition
    return AuditEntry.objects.filter(wanted).order_by(*CHAIN_ORDER)


def _named(slug: str, pk: int, reference: object = None) -> str:
    return f"{slug} {pk}" + (f" ({reference})" if reference else "")


def _read(result: TableCheck, entries: QuerySet[AuditEntry], chunk_size: int) -> dict[tuple[str, int], _Expected]:
    """The last entry of each case, oldest first read (deadlines the calendar moved after
    it applied), and each entry's timeline step, looked up a batch at a time."""
    by_label = {t.model._meta.label_lower: t for t in case_types.BY_SLUG.values()}
    expected: dict[tuple[str, int], _Expected] = {}
    step_problems: dict[tuple[str, int], list[str]] = {}
    for batch in batches(entries.iterator(chunk_size=chunk_size), chunk_size):
        named: dict[int, tuple[AuditEntry, case_types.CaseType, int, str]] = {}
        for entry in batch:
            result.entries += 1
            if problem := entry_problem(entry):
                result.problems.append(problem)
                continue
            if entry.action == CALENDAR:
                for label, pk, field, _before, after in (entry.detail.get("deadlines_moved") or {}).get(
                        DEADLINE_SOURCE, []):
                    known = expected.get((by_label[label].slug, int(pk))) if label in by_label else None
                    if known is not None and known.case is not None and field in known.case:
                        known.case = {**known.case, field: after}
                continue
            case_type = by_label[entry.object_type]
            if not entry.object_id.isdigit():
                result.problems.append(f"{where(entry)}: names no case")
                continue
            key = (case_type.slug, int(entry.object_id))
            verb = entry.action.rsplit(".", 1)[1]
            detail = entry.detail or {}
            if verb == DELETED and (moved := _decision_day_moved(expected.get(key), detail)):
                result.problems.append(f"{where(entry)}: {_named(*key, detail.get('reference'))}: {moved}")
            expected[key] = _Expected(entry, detail.get("case"), detail.get("events"), deleted=verb == DELETED)
            if isinstance(detail.get("event"), int):
                named[detail["event"]] = (entry, case_type, key[1], verb)
        found = CaseEvent.objects.in_bulk(list(named)) if named else {}
        for pk, (entry, case_type, case_pk, verb) in named.items():
            event = found.get(pk)
            if event is None:
                problem = f"its timeline step {pk} ({verb}) is missing"
            elif getattr(event, f"{case_type.fk_name}_id") != case_pk or event.action != verb:
                problem = f"its timeline step {pk} ({verb}) now belongs elsewhere or says {event.action}"
            else:
                continue
            step_problems.setdefault((case_type.slug, case_pk), []).append(f"{where(entry)}: {problem}")
    # A case deleted with its record took its timeline with it.
    for key, problems in step_problems.items():
        if not expected[key].deleted:
            result.problems.extend(problems)
    return expected


def _decision_day_moved(previous: _Expected | None, deletion: dict[str, Any]) -> str | None:
    """Whether the record's decision day a deletion entry recorded differs from the one
    the case's previous entry recorded: the purge counts its 5 years from that day, which
    nothing seals. An entry written before entries recorded the day (a step's, or a
    deletion's), or a case carried in bulk (its digest covers the day from carry version
    2: ``trail_checks.carried`` names the change), compares nothing here."""
    if previous is None or previous.case is None or DECIDED_ON not in previous.case or DECIDED_ON not in deletion:
        return None
    before, after = previous.case[DECIDED_ON], deletion[DECIDED_ON]
    if before == after:
        return None
    return f"the record's decision day changed from {before} to {after} before the case was deleted"


def _differences(expected: _Expected, row: case_types.Case, events: int) -> list[str]:
    if expected.case is None:  # an entry before entries recorded the case: its state
        state = expected.entry.detail.get("state")
        return [f"the state (recorded {state}, now {row.state})"] if state and state != row.state else []
    now = vouched(row)
    found = []
    for name, value in now.items():
        if name in expected.case and expected.case[name] != value:
            said = _SAID.get(name, name.replace("_", " "))
            found.append(said if name == "texts" else f"{said} (recorded {expected.case[name]}, now {value})")
    if expected.events is not None and events != expected.events:
        found.append(f"its timeline (recorded {expected.events} steps, now {events})")
    return found


@dataclass
class _Scan:
    expected: dict[tuple[str, int], _Expected]
    open: set[tuple[str, int]]
    gone: dict[str, dict[int, tuple[object, ...]]]


def _gone() -> dict[str, dict[int, tuple[object, ...]]]:
    """The cases deleted with their record, by kind: what stands in for each in a carried
    digest (id, ``row_digest`` of the carried entry's version), as its deletion entry
    recorded (``trail_checks.carry_rows``)."""
    slugs = {f"repair.{t.audit_object}.{DELETED}": t.slug for t in case_types.BY_SLUG.values()}
    deleted: dict[str, dict[int, dict[int, tuple[object, ...]]]] = {slug: {} for slug in slugs.values()}
    for entry in AuditEntry.objects.filter(action__in=list(slugs)).order_by(*CHAIN_ORDER):
        if entry_problem(entry) is None and entry.object_id.isdigit():
            pk, detail = int(entry.object_id), entry.detail
            # A deletion entry written before the second digest: its case was carried, if
            # at all, by an entry of version 1 (no later carry names a deleted case).
            deleted[slugs[entry.action]][pk] = {1: (pk, detail.get("digest", "")),
                                                2: (pk, detail.get("digest_2", detail.get("digest", "")))}
    return {t.slug: _stand_ins(t, deleted[t.slug]) for t in case_types.BY_SLUG.values()}


def _stand_ins(case_type: case_types.CaseType,
               deleted: dict[int, dict[int, tuple[object, ...]]]) -> dict[int, tuple[object, ...]]:
    """Each deleted case's stand-in for the version of the carried entry naming it (no
    query when nothing was deleted)."""
    if not deleted:
        return {}
    pks = sorted(deleted)
    version_of: dict[int, int] = {}
    for detail in AuditEntry.objects.filter(action=_carried_action(case_type)).values_list("detail", flat=True):
        version = (detail or {}).get("compared", 1)
        for first, last in (detail or {}).get("ranges", []):
            for pk in pks[bisect_left(pks, first):bisect_right(pks, last)]:
                version_of[pk] = version
    return {pk: by_version.get(version_of.get(pk, CARRY_VERSION), by_version[1])
            for pk, by_version in deleted.items()}


def _compared_rows(case_type: case_types.CaseType, ids: list[int],
                   version: int = CARRY_VERSION) -> list[tuple[object, ...]]:
    """Each carried case still there: (id, ``row_digest`` of ``version``; ``carry_rows``
    gives none for the rows it carries anew, and records ``CARRY_VERSION``)."""
    return [(row.pk, row_digest(row, version))
            for row in case_type.model.objects.filter(pk__in=ids).select_related("record")]


def _carried_action(case_type: case_types.CaseType) -> str:
    return f"repair.{case_type.audit_object}.{CARRIED}"


def _scan(result: TableCheck, chunk_size: int) -> _Scan:
    gone = _gone()
    for case_type in case_types.BY_SLUG.values():
        for _ids in carried(result, _carried_action(case_type), partial(_compared_rows, case_type),
                            named=case_type.slug, gone=gone[case_type.slug]):
            pass  # each carried case is there (or went with its record) and says what was carried
    expected = _read(result, _entries(), chunk_size)
    still_open: set[tuple[str, int]] = set()
    for case_type in case_types.BY_SLUG.values():
        keys = sorted(pk for slug, pk in expected if slug == case_type.slug)
        for start in range(0, len(keys), chunk_size):
            chunk = keys[start:start + chunk_size]
            rows = {row.pk: row for row in case_type.model.objects.filter(pk__in=chunk).select_related(
                "record").annotate(steps=Count("events")).order_by()}
            for pk in chunk:
                known, row = expected[(case_type.slug, pk)], rows.get(pk)
                if row is None:
                    if not known.deleted:
                        result.problems.append(f"{where(known.entry)}: {_named(case_type.slug, pk)} is missing")
                    continue
                if known.deleted:
                    result.problems.append(
                        f"{_named(case_type.slug, pk, row.reference)}: deleted with its record at "
                        f"{known.entry.created_at:%Y-%m-%d %H:%M}, yet present")
                elif differences := _differences(known, row, row.steps):
                    result.problems.append(f"{where(known.entry)}: {_named(case_type.slug, pk, row.reference)} "
                                           f"differs in {', '.join(differences)}")
                if row.is_open:
                    still_open.add((case_type.slug, pk))
    return _Scan(expected, still_open, gone)


def check_cases(chunk_size: int = 2000) -> TableCheck:
    """Every case carried forward by the trail's purge, then every entry that recorded a
    case step and its row: the row must exist (or have gone with its record) and say
    what its last entry says, with the timeline steps it counted."""
    result = TableCheck("repair cases")
    _scan(result, chunk_size)
    return result


def carry_forward_concluded_cases(through: int) -> list[Carry]:
    """Before the trail's entries through sequence ``through`` are purged: the concluded
    cases whose last entry is among them (nothing of a concluded case changes but its
    timeline), and the carried entries among them, without the cases deleted with their
    record since: the entries to write (``trail_checks.register_bulk_carry``). Refused
    (``CarryChanged``) when anything differs: what changed after the table check would
    lose its evidence with the entries."""
    result = TableCheck("carry")
    scan = _scan(result, CARRY_CHUNK)
    if result.problems:
        raise CarryChanged(result.problems)
    plan: list[Carry] = []
    for case_type in case_types.BY_SLUG.values():
        slug = case_type.slug
        ids = sorted(pk for (kind, pk), known in scan.expected.items()
                     if kind == slug and not known.deleted and (kind, pk) not in scan.open
                     and known.entry.sequence is not None and known.entry.sequence <= through)
        plan += carry_rows(_carried_action(case_type), ids, partial(_compared_rows, case_type), through=through,
                           version=CARRY_VERSION, gone=scan.gone[slug])
    return plan


def carry_forward_open_cases(through: int, by: object) -> int:
    """Before the trail's entries through ``through`` are purged: a case the trail knows
    as open whose last entry is among them gets a fresh entry restating what that entry
    vouched for (its deadlines as the calendar moved them since), written under the
    chain's lock: a step between would otherwise be lost.

    What the trail vouches for is carried, not the row as it is now. A row changed after
    the table check (and the bulk plan) is carried as the trail knew it, so that
    ``verify_tables`` still names the change once the entries are gone. Roles and seats,
    carried under the lock too, skip a row their entry no longer explains, and it stays
    named because their checks read every row ("no audit entry granted it"); this check
    reads only the cases an entry names, so a case left out would drop out of it for
    good. Refusing instead (``CarryChanged``) is what the bulk plans do before the lock;
    here, inside the purge's transaction, nothing turns it into ``PurgeRefused``. The
    cases are chosen by the state the trail recorded too: one an insider concluded (or
    deleted) in the meantime was left out of the bulk plan as open and is carried here."""
    written = 0
    for case_type in case_types.BY_SLUG.values():
        model, slug = case_type.model, case_type.slug
        open_states = {str(state) for state in model.OPEN_STATES}
        candidates = set(model.objects.filter(state__in=open_states).values_list("pk", flat=True))
        candidates.update(int(pk) for pk in AuditEntry.objects.filter(
            action__in=_actions(case_type), object_type=model._meta.label_lower, sequence__lte=through,
            detail__state__in=sorted(open_states)).values_list("object_id", flat=True).distinct() if pk.isdigit())
        if not candidates:
            continue
        expected = _read(TableCheck("carry"), _entries({slug: sorted(candidates)}), CARRY_CHUNK)
        rows = model.objects.in_bulk(sorted(candidates))
        for pk in sorted(candidates):
            known = expected.get((slug, pk))
            if known is None or known.deleted or known.entry.sequence is None or known.entry.sequence > through:
                continue
            detail = known.entry.detail or {}
            case = known.case
            state = case.get("state") if case is not None else detail.get("state")
            if state not in open_states:
                continue  # concluded as the trail knows it: carried in bulk (``carry_forward_concluded_cases``)
            reference = (case or {}).get("reference") or detail.get("reference")
            carry: dict[str, object] = {"state": state, "reference": reference, "events": known.events,
                                        "carried_forward": known.entry.uid}
            if case is not None:  # an entry before entries recorded the case vouched for its state only
                carry["case"] = case
            audit.record(
                f"repair.{case_type.audit_object}.carried_forward", actor=by,  # type: ignore[arg-type]
                target=rows.get(pk) or model(pk=pk), subject_ref=known.entry.subject_ref, detail=carry,
            )
            written += 1
    return written
