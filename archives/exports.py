"""Excel export of one archive, laid out after 001's annex (信用信息记录表).

Headers are Chinese whatever the page language: the workbook is the form the county's
credit office circulates. The ID number stays masked and the phone is left out: a file
leaves the system and is not covered by its access rules.
"""

from __future__ import annotations

from collections.abc import Container, Iterable
from io import BytesIO

from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from archives.models import AnnualFinding, Archive, CreditRecord

RECORD_HEADERS = (
    "序号", "信息类别", "性质", "严重程度", "标题", "内容", "文号", "决定机关", "信息来源",
    "行为日期", "决定日期", "公示截止", "状态", "版本", "备注",
)
FINDING_HEADERS = ("年度", "信用状况", "认定依据", "状态", "盖章单位", "签章人", "签章日期", "版本")


def _text(value: object) -> object:
    return value if value is not None else ""


# One style object for every cell: openpyxl keeps styles by identity, and the workbook
# is written in write-only (streaming) mode, where each row goes out as it is appended.
_WRAP = Alignment(vertical="top", wrap_text=True)
_BOLD = Font(bold=True)


class _All:
    def __contains__(self, item: object) -> bool:
        return True


ALL: Container[int] = _All()
# The record sheet wraps the free-text columns (title, content, remarks); the short
# columns are plain values, which cost openpyxl far less than styled cells.
RECORD_WRAPPED = frozenset({4, 5, 14})


class _Styled:
    """The styled cells of one sheet, one per column and style, reused row after row.

    A write-only sheet writes each row out while ``append`` runs (openpyxl streams it),
    so a cell object can carry the next row's value once ``append`` has returned. Giving
    every styled cell of every row a new object, and its style, cost about a sixth of the
    export (openpyxl hashes the style to find its index, per cell)."""

    def __init__(self, sheet) -> None:  # type: ignore[no-untyped-def]
        self.sheet = sheet
        self.cells: dict[tuple[int, bool, bool], WriteOnlyCell] = {}

    def cell(self, index: int, *, wrapped: bool, bold: bool) -> WriteOnlyCell:
        key = (index, wrapped, bold)
        cell = self.cells.get(key)
        if cell is None:
            cell = self.cells[key] = WriteOnlyCell(self.sheet)
            if wrapped:
                cell.alignment = _WRAP
            if bold:
                cell.font = _BOLD
        return cell


def _row(styled: _Styled, values: Iterable[object], *, bold: int = 0, wrap: Container[int] = ALL) -> None:
    """Append one row; the first ``bold`` cells bold, the cells at ``wrap`` wrapped.
    Linear: no look-up of the row just written (``sheet[sheet.max_row]`` per row made
    the export quadratic). A plain value is appended as it is, which openpyxl writes
    through one reused cell; a cell that needs a style, or text that openpyxl would take
    for a formula, goes through the sheet's styled cell for its column (``_Styled``)."""
    row: list[object] = []
    for index, value in enumerate(values):
        value = _text(value)
        wrapped = index in wrap
        formula_like = isinstance(value, str) and value.startswith("=")
        if index >= bold and not wrapped and not formula_like:
            row.append(value)
            continue
        cell = styled.cell(index, wrapped=wrapped, bold=index < bold)
        cell.value = value
        if isinstance(value, str):
            # Typed text stays text: "=…" would otherwise be a formula Excel runs on open.
            cell.data_type = "s"
        row.append(cell)
    styled.sheet.append(row)


def archive_workbook(
    archive: Archive, records: Iterable[CreditRecord], findings: Iterable[AnnualFinding]
) -> bytes:
    subject = archive.subject
    workbook = Workbook(write_only=True)
    info = workbook.create_sheet("信用信息记录表")
    info.column_dimensions["A"].width = 16
    info.column_dimensions["B"].width = 60
    title = WriteOnlyCell(info, value=f"{archive.occupation.name}（从业人员）信用信息记录表")
    title.font = Font(bold=True, size=14)
    info.append([title])
    pairs = (
        ("姓名", subject.name), ("性别", subject.get_gender_display()),
        ("政治面貌", subject.get_political_status_display()), ("学历", subject.get_education_display()),
        ("职称", archive.title), ("职务", archive.post),
        ("身份证号", subject.id_number_masked), ("工作单位", archive.employer),
        ("从业起始时间", archive.practice_start.isoformat() if archive.practice_start else ""),
        ("工作职责", archive.duties), ("主管单位", archive.department.display_name),
        ("备注", archive.closed_reason), ("导出时间", timezone.localtime().strftime("%Y-%m-%d %H:%M:%S")),
    )
    info_rows = _Styled(info)
    for key, value in pairs:
        _row(info_rows, (key, value), bold=1)

    sheet = workbook.create_sheet("信用记录")
    for index, width in enumerate((6, 16, 10, 10, 30, 40, 20, 20, 14, 12, 12, 12, 10, 6, 20), start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"
    record_rows = _Styled(sheet)
    _row(record_rows, RECORD_HEADERS, bold=len(RECORD_HEADERS))
    # The choice labels translated once, not once per row (gettext per cell was a tenth
    # of the export's time).
    polarity = {value: str(label) for value, label in CreditRecord.Polarity.choices}
    severity = {value: str(label) for value, label in CreditRecord.Severity.choices}
    state = {value: str(label) for value, label in CreditRecord.State.choices}
    # 001 §三(五): the activity the information came from (日常监管、抽查检查…); empty only on
    # records entered before the form asked for it.
    source = {value: str(label) for value, label in CreditRecord.SourceType.choices}
    for number, r in enumerate(records, start=1):
        _row(record_rows, (
            number, r.category.name, polarity.get(r.polarity, r.polarity), severity.get(r.severity, ""),
            r.title, r.description, r.decision_number, r.deciding_body, source.get(r.source_type, ""),
            r.occurred_on.isoformat(), r.decided_on.isoformat(),
            r.display_until.isoformat() if r.display_until else "", state.get(r.state, r.state), r.version,
            "异议处理中" if r.under_objection else r.change_reason,
        ), wrap=RECORD_WRAPPED)

    status = workbook.create_sheet("信用状况")
    for index, width in enumerate((8, 14, 50, 10, 16, 14, 12, 6), start=1):
        status.column_dimensions[get_column_letter(index)].width = width
    status.freeze_panes = "A2"
    finding_rows = _Styled(status)
    _row(finding_rows, FINDING_HEADERS, bold=len(FINDING_HEADERS))
    for f in findings:
        _row(finding_rows, (
            f.year, f.get_status_display(), f.basis, f.get_state_display(), archive.department.display_name,
            str(f.signed_by) if f.signed_by_id else "", timezone.localdate(f.signed_at).isoformat() if f.signed_at else "", f.version,
        ))

    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
