"""The content stamp of an archive: the version of its records and findings that a cached
rendering of its content depends on (``credit_portal.fragments``), read in the same query
as the archive; and annotations of the archive row compiled to SQL once per process."""

from __future__ import annotations

from collections.abc import Callable

from django.db import connections
from django.db.models import Count, Expression, Field, Max, OuterRef, QuerySet, Subquery
from django.db.models.expressions import RawSQL

from archives import annotations
from archives.models import AnnualFinding, Archive, CreditRecord


def _aggregate_of(model: type, function: type, column: str) -> Subquery:
    rows = model.objects.filter(archive=OuterRef("pk")).order_by().values("archive")
    return Subquery(rows.annotate(value=function(column)).values("value")[:1])


def _stamp_expressions() -> dict[str, Expression]:
    return {
        "stamp_records": _aggregate_of(CreditRecord, Count, "id"),
        "stamp_records_changed": _aggregate_of(CreditRecord, Max, "updated_at"),
        "stamp_findings": _aggregate_of(AnnualFinding, Count, "id"),
        "stamp_findings_last": _aggregate_of(AnnualFinding, Max, "id"),
        "stamp_findings_signed": _aggregate_of(AnnualFinding, Max, "signed_at"),
        **annotations.stamp_expressions(),
    }


# The stamp's SQL (and any other annotation of the archive row that refers to that row
# only) by name and database vendor, compiled once per process: building and compiling
# its correlated subqueries cost ≈ 6 ms of CPU per person page on the benchmark host,
# twenty times what running them costs (one EXISTS alone ≈ 0.6 ms), and the text never
# changes between requests (the subqueries refer to the outer archive row only).
_compiled_stamps: dict[tuple[str, str], list[tuple[str, str, tuple[object, ...], Field]]] = {}


def row_columns(name: str, expressions: Callable[[], dict[str, Expression]], using: str) -> dict[str, RawSQL]:
    """Annotations of the archive row, ``expressions()`` compiled once per process and
    vendor under ``name`` (the expressions may refer to the outer archive row only)."""
    vendor = connections[using].vendor
    compiled = _compiled_stamps.get((name, vendor))
    if compiled is None:
        built = expressions()
        compiler = Archive.objects.annotate(**built).values(*built).query.get_compiler(using)
        compiler.setup_query()
        compiled = [
            (alias, sql, tuple(params), resolved.output_field)
            for resolved, (sql, params), alias in compiler.select
            if alias in built
        ]
        _compiled_stamps[(name, vendor)] = compiled
    # Django's own compiler wrote this SQL from the expressions above; nothing typed is in it.
    return {alias: RawSQL(sql, params, output_field=field) for alias, sql, params, field in compiled}  # noqa: S611


def _stamp_columns(using: str) -> dict[str, RawSQL]:
    return row_columns("stamp", _stamp_expressions, using)


def with_content_stamp(archives: QuerySet[Archive]) -> QuerySet[Archive]:
    """``archives`` with what a cached rendering of their content depends on, read in
    the same query: how many record rows and findings each has and when they last
    changed (every record change saves ``updated_at``; a finding changes by a new
    version or by being signed). See ``content_stamp``."""
    return archives.annotate(**_stamp_columns(archives.db))


def content_stamp(archive: Archive) -> str:
    """The version of an archive's records and findings, from ``with_content_stamp``:
    any written, changed or removed record or finding changes it."""
    parts = [
        archive.pk, archive.stamp_records, archive.stamp_records_changed, archive.stamp_findings,  # type: ignore[attr-defined]
        archive.stamp_findings_last, archive.stamp_findings_signed,  # type: ignore[attr-defined]
    ]
    parts += [getattr(archive, name) for name in annotations.stamp_names()]
    return "/".join("" if part is None else str(part) for part in parts)


def archive_content_stamp(archive: Archive) -> str:
    """``content_stamp`` of an archive: read with it (``selectors.get_archive_for_view(stamped=True)``),
    or, loaded without it, in one query."""
    if hasattr(archive, "stamp_records"):
        return content_stamp(archive)
    return content_stamp(with_content_stamp(Archive.objects.filter(pk=archive.pk)).get())
