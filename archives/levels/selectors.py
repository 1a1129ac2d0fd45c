"""Reads of the credit levels: the panel shown with an archive (staff page, citizen
portal, report summary), the credit office's list, and the rules."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from django.db.models import QuerySet

from archives.levels.models import ArchiveLevel, ArchiveLevelChange, LevelRule, PointRule, PointsPilot
from archives.levels.reasons import reason_text
from archives.models import Archive, CreditRecord


@dataclass(frozen=True)
class ReasonLine:
    text: str
    basis: str
    kind: str
    category_id: int | None = None


@dataclass
class LevelPanel:
    level: str
    label: str
    computed_on: date
    lines: list[ReasonLine] = field(default_factory=list)
    # The stored reasons the lines were made from (ids, kinds), same order.
    reasons: list[dict[str, object]] = field(default_factory=list)
    history: list[ArchiveLevelChange] = field(default_factory=list)


def _titles(levels: Iterable[ArchiveLevel]) -> dict[int, str]:
    """Record titles are read at show time, not kept in the reasons: a corrected title
    shows as corrected, and a record purged after its retention leaves nothing behind."""
    ids = {r["record"] for level in levels for r in level.reasons if r.get("kind") == "record" and r.get("record")}
    if not ids:
        return {}
    return dict(CreditRecord.objects.filter(pk__in=ids).values_list("pk", "title"))


def _panel(level: ArchiveLevel, titles: dict[int, str]) -> LevelPanel:
    lines = []
    for reason in level.reasons:
        shown = dict(reason)
        if reason.get("kind") == "record":
            shown["title"] = titles.get(reason.get("record"), "—")  # type: ignore[arg-type]
        lines.append(ReasonLine(text=reason_text(shown), basis=str(reason.get("basis") or ""),
                                kind=str(reason.get("kind")), category_id=reason.get("category")))  # type: ignore[arg-type]
    return LevelPanel(level=level.level, label=str(level.get_level_display()), computed_on=level.computed_on,
                      lines=lines, reasons=list(level.reasons))


def level_panels(archive_ids: Iterable[int], *, with_history: bool = False) -> dict[int, LevelPanel]:
    """The level of each archive with its reasons in words: two queries whatever the
    number of archives (three with the history). Archives never assessed are absent."""
    panels = panels_of(ArchiveLevel.objects.filter(archive_id__in=list(archive_ids)))
    if with_history and panels:
        for change in ArchiveLevelChange.objects.filter(archive_id__in=panels).order_by("-changed_at", "-id"):
            panels[change.archive_id].history.append(change)
    return panels


def panels_of(levels: Iterable[ArchiveLevel]) -> dict[int, LevelPanel]:
    """``level_panels`` of levels already read (e.g. joined to their archives with
    ``select_related("credit_level")``): one query for the record titles, none when no
    reason names a record."""
    levels = list(levels)
    titles = _titles(levels)
    return {level.archive_id: _panel(level, titles) for level in levels}


def level_panel(archive_id: int, *, with_history: bool = False) -> LevelPanel | None:
    return level_panels([archive_id], with_history=with_history).get(archive_id)


def loaded_level(archive: object) -> ArchiveLevel | None:
    """The level of an archive read with ``select_related("credit_level")``, or None for
    an archive never assessed (no query either way)."""
    # The missing related row's exception is also an AttributeError.
    return getattr(archive, "credit_level", None)


def level_of(archive: Archive) -> ArchiveLevel | None:
    """``loaded_level`` of an archive read with ``select_related("credit_level")``; of one
    loaded without it, its level read now (one query)."""
    if Archive.credit_level.is_cached(archive):  # type: ignore[attr-defined]
        return loaded_level(archive)
    return ArchiveLevel.objects.filter(archive_id=archive.pk).first()


def level_stamp(level: ArchiveLevel | None) -> str:
    """The version of what a level panel shows but the record titles (those move with the
    archive's content stamp): ``recompute_level`` saves ``updated_at`` on every run, in the
    transaction that adds the history line of a change."""
    return "none" if level is None else f"{level.pk}@{level.updated_at.isoformat()}"


def panel_of(level: ArchiveLevel | None, *, with_history: bool = False) -> LevelPanel | None:
    """The panel of a level already read (``loaded_level``): the record titles, and the
    history when asked, one query each."""
    if level is None:
        return None
    panel = panels_of([level])[level.archive_id]
    if with_history:
        panel.history.extend(ArchiveLevelChange.objects.filter(archive_id=level.pk).order_by("-changed_at", "-id"))
    return panel


def level_panel_of(archive: Archive, *, with_history: bool = False) -> LevelPanel | None:
    """``level_panel`` of an archive whose level row was read with it
    (``select_related("credit_level")``): no query for the level itself, and none at all
    for an archive never assessed; loaded without it, as ``level_panel``."""
    if not Archive.credit_level.is_cached(archive):  # type: ignore[attr-defined]
        return level_panel(archive.pk, with_history=with_history)
    return panel_of(loaded_level(archive), with_history=with_history)


def archive_levels(*, level: str = "", department_id: int | None = None,
                   occupation_id: int | None = None) -> QuerySet[ArchiveLevel]:
    """Every assessed archive by level for the credit office (caller checks
    ``permissions.can_view_level_list``), most severe first. Reads the stored level
    through its index; nothing is computed here, so a million archives page as fast as
    ten. One query per page (the person, occupation and department joined)."""
    qs = ArchiveLevel.objects.select_related("archive__subject", "archive__occupation", "archive__department")
    if level:
        qs = qs.filter(level=level)
    if department_id:
        qs = qs.filter(archive__department_id=department_id)
    if occupation_id:
        qs = qs.filter(archive__occupation_id=occupation_id)
    return qs.order_by("archive_id") if level else qs.order_by("-rank", "archive_id")


def rules_in_force() -> QuerySet[LevelRule]:
    return LevelRule.objects.filter(is_active=True).order_by("condition", "severity", "finding_status")


def retired_rules() -> QuerySet[LevelRule]:
    return LevelRule.objects.filter(is_active=False).order_by("-created_at")


def point_rules_in_force() -> QuerySet[PointRule]:
    """The integrity points pilot's scoring rules in force, one per fact."""
    return PointRule.objects.filter(is_active=True).order_by("kind", "severity", "finding_status")


def retired_point_rules() -> QuerySet[PointRule]:
    return PointRule.objects.filter(is_active=False).order_by("-created_at", "-id")


def points_pilot_state() -> PointsPilot:
    """The pilot switch as it stands, read only (an unsaved default row while nobody
    has switched it yet)."""
    return PointsPilot.objects.filter(pk=1).first() or PointsPilot(pk=1)
