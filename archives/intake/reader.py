"""Reading an uploaded workbook safely (bad input).

Checks run cheapest first and before anything is parsed in full: the file size, that
it is a zip at all (a renamed .xls, .csv or picture is not), the uncompressed size
and compression ratio of every zip entry (a zip bomb expands a few kilobytes into
gigabytes), the template's hidden mark, version and occupation, the sheet's declared
dimension against the row limit, then a streaming scan of the sheet's XML for
formulas and merged cells. Only then does python-calamine read the cells.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from io import BytesIO

import python_calamine
from django.utils.translation import gettext as _

from archives.intake import conf
from archives.intake.columns import COLUMNS, META_SHEET, TEMPLATE_MARK, TEMPLATE_VERSION, header_text
from archives.intake.workbook import FORMATTED_ROWS, records_sheet_title
from departments.models import Occupation

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # the old binary .xls (and .doc) container
_SHEET_TAG = re.compile(rb"<(?:\w+:)?sheet\b[^>]*>")
_ATTR = re.compile(rb'([\w:]+)="([^"]*)"')
_DIMENSION = re.compile(rb'<(?:\w+:)?dimension\s+ref="[A-Z]+\d+(?::[A-Z]+(\d+))?"')
_FORMULA = re.compile(rb'<(?:\w+:)?c\b[^>]*\br="([A-Z]+\d+)"[^>]*>\s*<(?:\w+:)?f[\s>/]')
_MERGE = re.compile(rb'<(?:\w+:)?mergeCell\b[^>]*\bref="([A-Z]+\d+:[A-Z]+\d+)"')
_SCAN_CHUNK = 1 << 20
_OVERLAP = 512


class WorkbookRefused(Exception):  # noqa: N818 - a refusal, not a programming error
    """The file as a whole cannot be read; ``message`` says why, in the user's language."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass
class SheetRows:
    rows: Iterator[tuple[int, list[object]]]  # (Excel row number, cell values)
    declared_rows: int  # the sheet's declared dimension or, if larger, the rows calamine read (empty ones too)


def _declared_limit() -> int:
    # The template's own pre-formatted (empty) rows count in the sheet's dimension.
    return max(conf.number("INTAKE_MAX_ROWS"), FORMATTED_ROWS)


def _mb(size: int) -> str:
    return f"{size / (1024 * 1024):.0f}"


def check_container(data: bytes) -> zipfile.ZipFile:
    """Refuse anything that is not a reasonably sized, honest xlsx zip."""
    limit = conf.number("INTAKE_MAX_UPLOAD_BYTES")
    if len(data) > limit:
        raise WorkbookRefused(_("The file is larger than %(mb)s MB: split it into several files.") % {"mb": _mb(limit)})
    if not data:
        raise WorkbookRefused(_("The file is empty."))
    if data.startswith(_OLE_MAGIC):
        raise WorkbookRefused(_("This is an old-format .xls workbook: open it in Excel or WPS and save it as .xlsx."))
    try:
        archive = zipfile.ZipFile(BytesIO(data))
        entries = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        raise WorkbookRefused(
            _("This file is not an Excel .xlsx workbook: download the template and fill it in.")
        ) from None
    names = {entry.filename for entry in entries}
    if "[Content_Types].xml" not in names or "xl/workbook.xml" not in names:
        raise WorkbookRefused(_("This file is not an Excel .xlsx workbook: download the template and fill it in."))
    total = sum(entry.file_size for entry in entries)
    ratio = conf.number("INTAKE_MAX_COMPRESSION_RATIO")
    if total > conf.number("INTAKE_MAX_UNCOMPRESSED_BYTES") or any(
        entry.file_size > ratio * max(entry.compress_size, 1) and entry.file_size > 1024 * 1024 for entry in entries
    ):
        raise WorkbookRefused(
            _("The workbook expands to far more data than an Excel file of this size holds; it is refused.")
        )
    if any(entry.flag_bits & 0x1 for entry in entries):
        raise WorkbookRefused(_("The workbook is password-protected: remove the password and upload it again."))
    return archive


def _sheet_paths(archive: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name → zip path of its XML, from workbook.xml and its relationships."""
    workbook = archive.read("xl/workbook.xml")
    try:
        rels = archive.read("xl/_rels/workbook.xml.rels")
    except KeyError:
        rels = b""
    targets: dict[bytes, bytes] = {}
    for tag in re.findall(rb"<(?:\w+:)?Relationship\b[^>]*>", rels):
        attrs = dict(_ATTR.findall(tag))
        if b"Id" in attrs and b"Target" in attrs:
            targets[attrs[b"Id"]] = attrs[b"Target"]
    paths: dict[str, str] = {}
    for tag in _SHEET_TAG.findall(workbook):
        attrs = dict(_ATTR.findall(tag))
        rel = next((v for k, v in attrs.items() if k.endswith(b":id")), None)
        target = targets.get(rel or b"", b"").decode("utf-8", "replace")
        name = attrs.get(b"name", b"").decode("utf-8", "replace")
        paths[_unescape(name)] = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
    return paths


def _unescape(text: str) -> str:
    return (
        text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", '"')
        .replace("&apos;", "'")
        .replace("&amp;", "&")
    )


def scan_sheet_xml(archive: zipfile.ZipFile, path: str) -> tuple[int, list[str], list[str]]:
    """Stream the sheet XML: its declared last row, cells holding formulas, merged ranges."""
    declared = 0
    formulas: list[str] = []
    merged: list[str] = []
    with archive.open(path) as stream:
        tail = b""
        first = True
        while chunk := stream.read(_SCAN_CHUNK):
            window = tail + chunk
            if first:
                match = _DIMENSION.search(window)
                if match:
                    declared = int(match.group(1) or 1)
                    if declared - 1 > _declared_limit():
                        return declared, [], []
                first = False
            # A formula holds "<f" or "<x:f", a merge "mergeCell": a plain substring search
            # (several times faster than the patterns) rules most of a large sheet out.
            for found in _FORMULA.findall(window) if b"<f" in window or b":f" in window else ():
                ref = found.decode()
                if ref not in formulas:
                    formulas.append(ref)
            for found in _MERGE.findall(window) if b"mergeCell" in window else ():
                ref = found.decode()
                if ref not in merged:
                    merged.append(ref)
            tail = window[-_OVERLAP:]
    return declared, formulas, merged


def check_template(
    data: bytes, archive: zipfile.ZipFile, *, occupation: Occupation | None
) -> tuple[python_calamine.CalamineWorkbook, str]:
    """Open with calamine and check the template's mark, version and occupation.
    Returns the workbook and the occupation code the template was made for."""
    paths = _sheet_paths(archive)
    title = records_sheet_title()
    if META_SHEET not in paths:
        raise WorkbookRefused(
            _("This file was not made from the portal's template: download the template and copy the rows into it.")
        )
    try:
        book = python_calamine.CalamineWorkbook.from_filelike(BytesIO(data))
        meta = book.get_sheet_by_name(META_SHEET).to_python()
    except Exception:  # noqa: BLE001 - calamine raises several types for broken files
        raise WorkbookRefused(_("The workbook is damaged and cannot be read: save it again in Excel or WPS.")) from None
    values = [str(row[0]).strip() if row and row[0] is not None else "" for row in meta[:3]]
    while len(values) < 3:
        values.append("")
    if values[0] != TEMPLATE_MARK:
        raise WorkbookRefused(
            _("This file was not made from the portal's template: download the template and copy the rows into it.")
        )
    try:
        version = int(float(values[1]))
        # A workbook reader gives the number back as 1.0: the clerk is shown "1".
        shown = str(version)
    except (ValueError, OverflowError):  # not a number, or "1e999"
        version, shown = 0, values[1][:20] or "?"
    if version != TEMPLATE_VERSION:
        raise WorkbookRefused(
            _(
                "This template is outdated (version %(old)s; the current one is %(new)s): download the current "
                "template and copy the rows into it."
            )
            % {"old": shown, "new": TEMPLATE_VERSION}
        )
    code = values[2]
    if occupation is not None and code != occupation.code:
        other = Occupation.objects.filter(code=code).values_list("name", flat=True).first() or code
        raise WorkbookRefused(
            _("This template is for %(other)s, not %(occupation)s: download the %(occupation)s template.")
            % {"other": other, "occupation": occupation.name}
        )
    if title not in paths:
        raise WorkbookRefused(
            _('The sheet "%(sheet)s" is missing: do not rename or delete the template\'s sheets.') % {"sheet": title}
        )
    return book, code


def _cells(refs: list[str]) -> str:
    shown = "、".join(refs[:10])
    return shown + ("…" if len(refs) > 10 else "")


def open_rows(data: bytes, *, occupation: Occupation | None) -> tuple[SheetRows, str]:
    """Every check above, then an iterator over the data rows (empty rows skipped).
    Raises ``WorkbookRefused`` with the reason; returns the rows and the template's occupation code."""
    archive = check_container(data)
    book, code = check_template(data, archive, occupation=occupation)
    title = records_sheet_title()
    path = _sheet_paths(archive)[title]
    limit = conf.number("INTAKE_MAX_ROWS")
    try:
        declared, formulas, merged = scan_sheet_xml(archive, path)
    except (KeyError, zipfile.BadZipFile, OSError, EOFError):
        raise WorkbookRefused(_("The workbook is damaged and cannot be read: save it again in Excel or WPS.")) from None
    if declared - 1 > _declared_limit():
        raise WorkbookRefused(
            _("The file has %(rows)s rows; at most %(limit)s rows are imported at once: split it into several files.")
            % {"rows": declared - 1, "limit": limit}
        )
    if merged:
        raise WorkbookRefused(
            _("Merged cells cannot be imported (%(cells)s): unmerge them.") % {"cells": _cells(merged)}
        )
    if formulas:
        raise WorkbookRefused(
            _("Cells with formulas cannot be imported (%(cells)s): paste the values instead.")
            % {"cells": _cells(formulas)}
        )
    try:
        sheet = book.get_sheet_by_name(title)
        # The rows calamine found: a sheet that declares no dimension (some writers leave it
        # out) still tells the import its size, so a large one is checked by the pool from
        # its first rows instead of a few thousand in series first.
        found_rows = sheet.height - 1
        iterator = iter(sheet.iter_rows())
        header = next(iterator, [])
    except Exception:  # noqa: BLE001
        raise WorkbookRefused(_("The workbook is damaged and cannot be read: save it again in Excel or WPS.")) from None
    expected = [header_text(c) for c in COLUMNS]
    found = [str(v).strip() if v is not None else "" for v in list(header)[: len(expected)]]
    found += [""] * (len(expected) - len(found))
    for index, (want, got) in enumerate(zip(expected, found, strict=True), start=1):
        if want != got:
            from openpyxl.utils import get_column_letter

            raise WorkbookRefused(
                _(
                    'The headers do not match the template: column %(column)s should be "%(want)s" but is '
                    '"%(got)s". Download the template and copy the rows into it.'
                )
                % {"column": get_column_letter(index), "want": want, "got": got[:40]}
            )

    def rows() -> Iterator[tuple[int, list[object]]]:
        width = len(expected)
        count = 0
        for number, values in enumerate(iterator, start=2):
            cells = list(values[:width]) + [None] * (width - len(values))
            if all(v is None or (isinstance(v, str) and not v.strip()) for v in cells):
                continue
            count += 1
            if count > limit:
                raise WorkbookRefused(
                    _("The file has more than %(limit)s rows: split it into several files.") % {"limit": limit}
                )
            yield number, cells

    return SheetRows(rows=rows(), declared_rows=max(declared - 1, found_rows, 0)), code
