"""The columns of the record template, shared by the Excel template, its reader and
the API (the same keys). What a row holds is what 001 §三(二) asks every record to
hold: who, where they work, what happened, when, decided by whom, of which kind.

Headers and choice labels are English msgids shown in Chinese (the workbook is built
and read with Chinese active), so the template and the pages use the same words.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

# Bumped when the columns or their meaning change: an older template is then refused
# with the reason instead of being read into the wrong fields. 2: the source of the
# information (001 §三(五)) as the last column.
TEMPLATE_VERSION = 2
TEMPLATE_MARK = "credit-portal-record-template"
META_SHEET = "_meta"


@dataclass(frozen=True)
class Column:
    key: str
    header: Promise
    required: bool = False
    kind: str = "text"  # text, id_number, phone, date, choice, bool
    max_length: int = 200
    width: int = 16
    hint: Promise | str = ""


COLUMNS: tuple[Column, ...] = (
    Column("name", _("Name"), required=True, max_length=50, width=10),
    Column("id_number", _("Resident ID number"), required=True, kind="id_number", width=22,
           hint=_("18 characters, typed as text.")),
    Column("phone", _("Mobile phone"), kind="phone", width=14),
    Column("employer", _("Employer"), required=True, width=24,
           hint=_("Used when the person has no archive in this occupation yet.")),
    Column("post", _("Post"), max_length=100, width=12),
    Column("category", _("Information category"), required=True, kind="choice", width=20),
    Column("polarity", _("Nature of the information"), required=True, kind="choice", width=10),
    Column("severity", _("Severity"), kind="choice", width=10, hint=_("Required for negative information.")),
    Column("title", _("Title"), required=True, width=30),
    Column("description", _("Details"), max_length=2000, width=40),
    Column("decision_number", _("Decision number"), max_length=100, width=20),
    Column("deciding_body", _("Deciding body"), width=20),
    Column("occurred_on", _("Date of the conduct"), required=True, kind="date", width=12),
    Column("decided_on", _("Date of the decision"), required=True, kind="date", width=12),
    Column("domain", _("Key domain"), kind="choice", width=14),
    Column("is_penalty", _("Administrative penalty"), kind="bool", width=8),
    # 001 §三(五): "对日常监管、抽查检查、登记变更、年度考核、表彰奖励、处罚处分等信息计入信用记录".
    # Not required, as on the web form: the seed's list ends in 等, so some information
    # (basic information, employment history, a complaint) comes from none of the six,
    # and a required column would make the clerk pick a wrong one. The last column, so
    # rows laid out for version 1 keep their positions.
    Column("source_type", _("Where the information comes from"), kind="choice", width=12),
)
COLUMN_KEYS = tuple(c.key for c in COLUMNS)
BY_KEY = {c.key: c for c in COLUMNS}


def header_text(column: Column) -> str:
    """The header as written in row 1: the Chinese name, ``*`` for a required column."""
    return f"{column.header}{'*' if column.required else ''}"
