"""Page-building helpers of the clerk and reviewer pages: they shape what selectors
read into what templates show, and decide nothing about access (that is
``archives.permissions``).

One state, one name: a record's badges and dates come from the version shown and its
present state only. The state's name is the model's label; "under objection" shows
only on the current published version; the display date shows only while the record
is displayed (a repaired, expired, withdrawn or superseded version shows none); a
superseded version links to the version that replaced it.
"""

from __future__ import annotations

import uuid
from datetime import date
from itertools import groupby
from typing import Any

from django.db import router
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext as _

from archives import annotations, permissions, selectors, stamps
from archives.levels.selectors import LevelPanel, level_of, level_stamp, loaded_level, panel_of
from archives.listing import permissions as listing_permissions
from archives.models import AnnualFinding, Archive, CreditRecord
from archives.units import selectors as unit_selectors
from credit_portal.fragments import fragment_context
from departments.models import Department

State = CreditRecord.State

# The fields compared across versions of a record, in the order the history shows them.
HISTORY_FIELDS = (
    "state", "category", "polarity", "severity", "title", "description", "decision_number", "deciding_body",
    "occurred_on", "decided_on", "domain", "source_type", "unit_credit_code", "is_penalty", "display_until",
    "change_reason",
)
# States in which a negative record is part of the person's history: it was published.
SHOWN_NEGATIVE_STATES = {State.PUBLISHED, State.REPAIRED, State.EXPIRED}
REWARDS_CATEGORY = "rewards-penalties"
# Ids no row has, for the URL patterns of ``name_search_rows``.
_UUID_MARK = uuid.UUID(int=0)
_ID_MARK = 987654321


def history_rows(versions: list[CreditRecord]) -> list[dict[str, Any]]:
    """The versions of one record side by side: one row per field, one cell per
    version, ``changed`` where a version differs from the one before it."""
    rows = []
    for name in HISTORY_FIELDS:
        field = CreditRecord._meta.get_field(name)
        cells = []
        previous: object = None
        for index, version in enumerate(versions):
            raw = getattr(version, name)
            display_method = getattr(version, f"get_{name}_display", None)
            if display_method is not None and raw:
                shown: object = display_method()
            elif isinstance(raw, bool):
                shown = _("yes") if raw else _("no")
            else:
                shown = raw if raw not in (None, "") else "—"
            cells.append({"value": shown, "changed": index > 0 and raw != previous})
            previous = raw
        rows.append({"label": field.verbose_name, "cells": cells, "changed": any(c["changed"] for c in cells)})
    return rows


def record_flags(record: CreditRecord) -> list[str]:
    """Flags beside the state badge, never repeating it."""
    flags = []
    if record.under_objection and record.state == State.PUBLISHED and record.is_current:
        flags.append(_("under objection"))
    if record.subject_was_minor:
        flags.append(_("minor at the time"))
    return flags


def shown_until(record: CreditRecord) -> date | None:
    """The end of display, only while the record is displayed."""
    return record.display_until if record.state == State.PUBLISHED and record.is_current else None


def replacing_version(versions: list[CreditRecord]) -> CreditRecord | None:
    return next((v for v in reversed(versions) if v.is_current), None)


def reference(record: CreditRecord) -> str:
    return f"XY{record.published_at:%Y%m%d}-{record.pk:06d}" if record.published_at else f"XY-{record.pk:06d}"


class ArchiveContent:
    """The records and findings part of the staff archive page, read on first use: when
    the cached rendering of that part is current (``credit_portal.fragments``), the
    template never asks and none of these queries runs."""

    def __init__(self, archive: Archive) -> None:
        self.archive = archive

    @cached_property
    def credit_level(self) -> LevelPanel | None:
        """The level panel, from the level row read with the archive
        (``select_related("credit_level")``): its reasons' record titles and its history
        are read only when the cached rendering is not current (its key holds the level's
        stamp)."""
        return panel_of(loaded_level(self.archive), with_history=True)

    @cached_property
    def entries(self) -> list[dict[str, Any]]:
        records = list(selectors.archive_records(self.archive))
        earlier = selectors.archive_earlier_versions(self.archive)
        # The subject's personal statements (本人声明) are shown with their records; repair
        # provides them through the registry, so archives does not import repair.
        statements = annotations.personal_statements([record.lineage for record in records])
        entries = []
        for record in records:
            versions = [*earlier.get(record.lineage, []), record]
            entries.append({
                "record": record,
                "statement": statements.get(record.lineage, ""),
                "flags": record_flags(record),
                "shown_until": shown_until(record),
                "history": history_rows(versions) if len(versions) > 1 else None,
                "versions": versions,
            })
        return entries

    @cached_property
    def groups(self) -> list[dict[str, Any]]:
        return [
            {"category": category, "entries": list(items)}
            for category, items in groupby(
                (e for e in self.entries if e["record"].category.code != REWARDS_CATEGORY),
                key=lambda e: e["record"].category,
            )
        ]

    @cached_property
    def rewards(self) -> list[dict[str, Any]]:
        return [e for e in self.entries if e["record"].category.code == REWARDS_CATEGORY]

    @cached_property
    def findings(self) -> list[AnnualFinding]:
        return list(selectors.archive_findings(self.archive))

    @cached_property
    def has_negative(self) -> bool:
        return any(e["record"].is_negative and e["record"].state in SHOWN_NEGATIVE_STATES for e in self.entries)


def archive_page_annotations() -> dict[str, Any]:
    """What the archive page reads with the archive row: whether the person holds any unit
    role (only then are the roles in the viewer's scope read); compiled once per process
    (``stamps.row_columns``: building the EXISTS cost more than the query it spares)."""
    return stamps.row_columns(
        "archive-page", lambda: {"holds_unit_roles": unit_selectors.holds_unit_roles()},
        router.db_for_read(Archive) or "default",
    )


def shown_values(archive: Archive, can: dict[str, bool], propose_listing: bool) -> tuple[object, ...]:
    """Every value the staff archive page's header, buttons and form table show, from the
    rows already read: part of its cached fragment's key, so an edit of the person or the
    archive (by any writer), a renamed catalogue entry or a changed permission gives a
    new key."""
    subject = archive.subject
    return (
        subject.pk, subject.name, subject.gender, subject.political_status, subject.education,
        subject.id_number_masked, subject.has_phone, archive.state, archive.closed_reason, archive.employer,
        archive.title, archive.post, archive.practice_start, archive.duties, archive.occupation.name,
        archive.department.display_name, propose_listing, *sorted(can.items()),
    )


def archive_context(request: HttpRequest, archive: Archive, *, revealed: dict[str, str] | None = None) -> dict[str, Any]:
    can = permissions.archive_actions(request.user, archive)
    # A clerk of the department may propose listing the person (archives.listing); the
    # proposal page says when no serious record is in effect. Asked without reading the
    # records, so the cached records part of the page stays unread.
    propose_listing = listing_permissions.can_propose(request.user, archive)
    return {
        "archive": archive,
        "subject": archive.subject,
        "content": ArchiveContent(archive),
        "revealed": revealed or {},
        "viewed_at": timezone.localtime(),
        "can": can,
        "propose_listing": propose_listing,
        # The units this person is or was responsible for and the role (003 §三（一）2),
        # those in the user's scope; not read when the archive row says the person holds
        # none anywhere (an archive loaded without that annotation always reads them).
        "unit_roles": unit_selectors.unit_roles_of(request.user, archive.subject)
        if getattr(archive, "holds_unit_roles", True) else [],
        # The header, the buttons, the form table, the level panel, the records and the
        # findings are one cached fragment, keyed by what the header, buttons and table
        # show (``shown_values``), the records' stamp (also the titles the level's reasons
        # name) and the stored level's stamp (the daily run and every recompute save it,
        # with its history; the level moves with time only through them), as on the
        # citizen's page. A page with a revealed field renders it uncached.
        **fragment_context(
            request, "staff-archive", stamps.archive_content_stamp(archive), level_stamp(level_of(archive)),
            *shown_values(archive, can, propose_listing),
        ),
    }


def name_search_rows(found: list[selectors.NamedArchive]) -> list[dict[str, Any]]:
    """The find page's rows for the archives found by name, each link made from one
    ``reverse`` per page rather than one per row (a reversed URL differs only by the id,
    which ``reverse`` puts in as it is: a UUID or a number needs no quoting)."""
    if not found:
        return []
    subject_url = reverse("archives:subject", args=[_UUID_MARK]).split(str(_UUID_MARK))
    archive_url = reverse("archives:archive", args=[_ID_MARK]).split(str(_ID_MARK))
    return [
        {
            "subject_url": f"{subject_url[0]}{row.subject_id}{subject_url[1]}",
            "name": row.name,
            "id_number_masked": row.id_number_masked,
            "archive_url": f"{archive_url[0]}{row.archive_id}{archive_url[1]}",
            "occupation": row.occupation,
            "employer": row.employer,
            "department": Department.display_name_of(row.department_kind, row.department_name),
        }
        for row in found
    ]


def print_context(archive: Archive, year: int) -> dict[str, Any]:
    """The yearly archive form of 001's annex: that year's published history and finding."""
    records = [
        r for r in selectors.archive_records(archive, include_drafts=False)
        if r.decided_on.year == year and r.state not in {State.SUBMITTED, State.RETURNED}
    ]
    finding = next((f for f in selectors.archive_findings(archive) if f.year == year and f.is_current), None)
    return {
        "archive": archive, "subject": archive.subject, "year": year, "records": records, "finding": finding,
        "rewards": [r for r in records if r.category.code == REWARDS_CATEGORY],
        "others": [r for r in records if r.category.code != REWARDS_CATEGORY],
        "today": timezone.localdate(), "viewed_at": timezone.localtime(),
    }
