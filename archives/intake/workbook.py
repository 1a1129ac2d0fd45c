"""The Excel template of one occupation, built with openpyxl.

Row 1 holds the Chinese headers, required ones marked ``*``; dropdowns come from the
catalogue (categories of the occupation, nature, severity, key domains, the source of
the information); the ID number column is formatted as text so Excel keeps all 18
characters; date columns are real date cells; an instruction sheet explains each
column; a very hidden sheet carries the template mark, version and occupation so an
outdated or another occupation's template is recognised and refused with the reason.
"""

from __future__ import annotations

from io import BytesIO

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from archives.intake.catalogue import choices_for
from archives.intake.columns import COLUMNS, META_SHEET, TEMPLATE_MARK, TEMPLATE_VERSION, header_text
from departments.models import Occupation

# Rows pre-formatted (text ID numbers, date cells, dropdowns); Excel extends the
# column formats beyond them when rows are pasted.
FORMATTED_ROWS = 2000
DATE_FORMAT = "yyyy-mm-dd"


def records_sheet_title() -> str:
    return _("Records")


def _letter(key: str) -> str:
    return get_column_letter(next(i for i, c in enumerate(COLUMNS, start=1) if c.key == key))


def add_header(sheet, *, extra: tuple[str, ...] = ()) -> None:  # type: ignore[no-untyped-def]
    sheet.append([header_text(c) for c in COLUMNS] + list(extra))
    required_fill = PatternFill("solid", fgColor="FFF2CC")
    for index, column in enumerate(COLUMNS, start=1):
        cell = sheet.cell(row=1, column=index)
        cell.font = Font(bold=True)
        if column.required:
            cell.fill = required_fill
        sheet.column_dimensions[get_column_letter(index)].width = column.width
    sheet.freeze_panes = "A2"


def format_columns(sheet, rows: int) -> None:  # type: ignore[no-untyped-def]
    """Text format for the ID number, date format for the dates, down to ``rows``."""
    for column in COLUMNS:
        letter = _letter(column.key)
        if column.kind == "id_number":
            sheet.column_dimensions[letter].number_format = "@"
            for row in range(2, rows + 1):
                sheet[f"{letter}{row}"].number_format = "@"
        elif column.kind == "date":
            sheet.column_dimensions[letter].number_format = DATE_FORMAT
            for row in range(2, rows + 1):
                sheet[f"{letter}{row}"].number_format = DATE_FORMAT


def template_workbook(occupation: Occupation) -> bytes:
    """The template of ``occupation`` as .xlsx bytes (Chinese must be active)."""
    choices = choices_for(occupation)
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = records_sheet_title()
    add_header(sheet)
    format_columns(sheet, FORMATTED_ROWS)

    codes = workbook.create_sheet(_("Codes"))
    lists = {
        "category": choices.category_labels,
        "polarity": choices.polarity_labels,
        "severity": choices.severity_labels,
        "domain": choices.domain_labels,
        "is_penalty": [_("Yes"), _("No")],
        "source_type": choices.source_type_labels,
    }
    for index, (key, labels) in enumerate(lists.items(), start=1):
        codes.cell(row=1, column=index, value=str(next(c.header for c in COLUMNS if c.key == key)))
        for row, label in enumerate(labels, start=2):
            codes.cell(row=row, column=index, value=label)
        letter = get_column_letter(index)
        rule = DataValidation(
            type="list", formula1=f"'{codes.title}'!${letter}$2:${letter}${max(len(labels), 1) + 1}",
            allow_blank=True, showErrorMessage=True,
            errorTitle=_("Choose from the list"), error=_("Choose a value from the dropdown list."),
        )
        sheet.add_data_validation(rule)
        rule.add(f"{_letter(key)}2:{_letter(key)}{FORMATTED_ROWS}")
    codes.sheet_state = "hidden"

    guide = workbook.create_sheet(_("Instructions"))
    guide.column_dimensions["A"].width = 24
    guide.column_dimensions["B"].width = 90
    guide.append([_("%(occupation)s credit records: import template") % {"occupation": occupation.name}])
    guide["A1"].font = Font(bold=True, size=14)
    for line in (
        _("Fill in one record per row on the first sheet, from row 2. Columns marked * are required."),
        _("Do not rename, add, move or delete columns or sheets, do not merge cells and do not enter formulas."),
        _("Type the ID number as text (the column is formatted as text): a number loses its last digits."),
        _("Enter dates as dates (for example 2026-03-01) in the date columns, not as text."),
        _("Negative information needs its severity; other information has none."),
        _("A person new to the portal is registered from the row; a person without an archive in this "
          "occupation gets one at the employer given."),
        _("Uploading the same rows again creates nothing new."),
    ):
        guide.append(["", line])
    guide.append([])
    guide.append([_("Column"), _("What to enter")])
    for column in COLUMNS:
        detail = {
            "category": "、".join(choices.category_labels),
            "polarity": "、".join(choices.polarity_labels),
            "severity": "、".join(choices.severity_labels),
            "domain": _("Optional; one of the key domains in the dropdown."),
            "is_penalty": _("Yes or No (default No)."),
            "source_type": _("Optional: the activity that produced the information, one of %(labels)s.")
            % {"labels": "、".join(choices.source_type_labels)},
        }.get(column.key, str(column.hint))
        guide.append([header_text(column), detail])
    guide.append([])
    guide.append([_("Template version"), f"{TEMPLATE_VERSION} · {timezone.localdate().isoformat()}"])

    meta = workbook.create_sheet(META_SHEET)
    for row in ((TEMPLATE_MARK,), (TEMPLATE_VERSION,), (occupation.code,), (occupation.name,)):
        meta.append(list(row))
    meta.sheet_state = "veryHidden"

    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
