"""The credit report as PDF, with Chinese text (reportlab).

Font: WenQuanYi Micro Hei (文泉驿微米黑), a TrueType collection under the Apache License
2.0 (or GPLv3 with the font exception), vendored in ``disclosure/fonts/`` (see NOTICE).
It holds Latin letters and digits as well as the CJK glyphs (Droid Sans Fallback, on
which it is based, has no Latin: report numbers would vanish). reportlab embeds the
subset of glyphs each report uses, so the PDF renders the same on any reader without a
CJK font installed. (Noto CJK is CFF-flavoured OpenType, which reportlab cannot
embed.) Nothing is fetched.

The PDF shows the same frozen snapshot as the HTML page, in the same order: the
report's identity, purpose and scope, the summary block, what the report leaves out,
then the records by archive. Each page carries its number and the report number; the
last block carries the verification address and a QR code to it (with the report
number filled in, never the code: a URL ends up in logs).
"""

from __future__ import annotations

from io import BytesIO
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from disclosure.models import CreditReport
from disclosure.services.reports import verification_code

FONT = "WenQuanYiMicroHei"
FONT_FILE = Path(__file__).resolve().parent / "fonts" / "wqy-microhei.ttc"
# Punctuation a field may end with; stripped before fields are joined with "；", so a
# description ending in "。" never prints as "。；".
TRAILING_PUNCTUATION = "。；，、,.; "
GREY = colors.HexColor("#b1b4b6")
LIGHT = colors.HexColor("#f3f2f1")


def _font() -> str:
    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont(FONT, str(FONT_FILE), subfontIndex=0))
    return FONT


def _styles() -> dict[str, ParagraphStyle]:
    font = _font()
    base = ParagraphStyle("base", fontName=font, fontSize=10.5, leading=16, wordWrap="CJK")
    return {
        "title": ParagraphStyle("title", parent=base, fontSize=18, leading=26, alignment=TA_CENTER, spaceAfter=8),
        "h2": ParagraphStyle("h2", parent=base, fontSize=13, leading=20, spaceBefore=10, spaceAfter=4),
        "body": base,
        "cell": ParagraphStyle("cell", parent=base, fontSize=9.5, leading=14),
        "small": ParagraphStyle("small", parent=base, fontSize=8.5, leading=12, textColor=colors.HexColor("#505a5f")),
        "negative": ParagraphStyle("negative", parent=base, textColor=colors.HexColor("#942514")),
        "notice": ParagraphStyle("notice", parent=base, borderColor=GREY, borderWidth=0.5, borderPadding=6,
                                 backColor=LIGHT, spaceBefore=14, spaceAfter=10),
    }


def _p(text: Any, style: ParagraphStyle) -> Paragraph:
    return Paragraph(escape(str(text if text is not None else "")), style)


def join_fields(*parts: Any) -> str:
    """Fields joined with "；", each without its own trailing punctuation."""
    cleaned = [str(p).strip().rstrip(TRAILING_PUNCTUATION) for p in parts if p and str(p).strip()]
    return "；".join(c for c in cleaned if c)


class _NumberedCanvas(Canvas):
    """Draws "第 n 页 / 共 m 页" and the report number on every page: pages are held
    until the end so the total is known."""

    report_number = ""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # Else reportlab starts every page in Helvetica, a font the PDF would not embed.
        kwargs["initialFontName"] = kwargs.get("initialFontName") or _font()
        super().__init__(*args, **kwargs)
        self._pages: list[dict[str, Any]] = []

    def showPage(self) -> None:  # noqa: N802 - reportlab's name
        self._pages.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        total = len(self._pages)
        for state in self._pages:
            self.__dict__.update(state)
            self.setFont(_font(), 8.5)
            self.setFillColor(colors.HexColor("#505a5f"))
            footer = _("Page %(page)s of %(total)s") % {"page": self._pageNumber, "total": total}
            self.drawString(18 * mm, 10 * mm, f"{_('Report number')} {self.report_number}")
            self.drawRightString(A4[0] - 18 * mm, 10 * mm, footer)
            super().showPage()
        super().save()


def _qr(url: str, size: float = 28 * mm) -> Drawing:
    widget = QrCodeWidget(url, barLevel="M")
    x1, y1, x2, y2 = widget.getBounds()
    drawing = Drawing(size, size, transform=[size / (x2 - x1), 0, 0, size / (y2 - y1), 0, 0], initialFontName=_font())
    drawing.add(widget)
    return drawing


def _table(rows: list[list[Any]], widths: list[float], *, header_column: bool = False) -> Table:
    # FONTNAME: plain-string cells would otherwise be set in Helvetica, which is not embedded.
    style = [("GRID", (0, 0), (-1, -1), 0.5, GREY), ("VALIGN", (0, 0), (-1, -1), "TOP"), ("FONTNAME", (0, 0), (-1, -1), _font())]
    style.append(("BACKGROUND", (0, 0), (0, -1) if header_column else (-1, 0), LIGHT))
    return Table(rows, colWidths=widths, style=TableStyle(style), repeatRows=0 if header_column else 1)


def _head(report: CreditReport, s: dict[str, ParagraphStyle]) -> Table:
    content = report.content
    subject, scope = content["subject"], content["scope"]
    issued_to = content.get("issued_to")
    archives = _("All archives") if scope.get("all_archives") else "、".join(scope.get("occupations", []))
    kinds = _("every kind of information") if scope.get("all_categories") else "、".join(scope.get("categories", []))
    rows = [
        (_("Report number"), report.number),
        (_("Verification code"), verification_code(report)),
        (_("Issued (query time)"), timezone.localtime(report.issued_at).strftime("%Y-%m-%d %H:%M:%S")),
        (_("Person"), f"{subject['name']}（{subject['id_number_masked']}）"),
        (_("Issued to"), f"{issued_to['name']}（{issued_to['credit_code']}）" if issued_to else _("The person themself")),
    ]
    if content.get("purpose"):
        purpose = content["purpose"]
        if content.get("authorization"):
            purpose = f"{purpose}（{_('authorization')} {content['authorization']}）"
        rows.append((_("Purpose"), purpose))
    rows.append((_("Scope"), f"{_('Archives')}：{archives}\n{_('Kinds of information')}：{kinds}"))
    if scope.get("mandatory"):
        rows.append((_("Included by law for this purpose"), "；".join(scope["mandatory"])))
        rows.append((_("Legal basis"), "；".join(scope.get("mandatory_sources", []))))
    if "left_out" in scope:
        rows.append((_("Not covered by this report"), "；".join(scope["left_out"])
                     or _("Nothing: the report covers every archive and every kind of information.")))
    cells = [[_p(k, s["cell"]), [_p(line, s["cell"]) for line in str(v).split("\n")]] for k, v in rows]
    return _table(cells, [40 * mm, 134 * mm], header_column=True)


def _summary(content: dict[str, Any], s: dict[str, ParagraphStyle]) -> list[Any]:
    summary = content["summary"]
    negative = str(summary.get("negative", 0))
    if summary.get("negative") and summary.get("negative_by_severity"):
        negative += "（" + "，".join(f"{x['label']} {x['count']}" for x in summary["negative_by_severity"]) + "）"
    rows = [
        (_("Records in this report"), summary.get("records", 0)),
        (_("Positive records"), summary.get("positive", 0)),
        (_("Neutral records"), summary.get("neutral", 0)),
        (_("Negative records"), negative),
    ]
    if "under_objection" in summary:
        findings = "；".join(f"{f['occupation']}：{f['year']} {f['status_label']}" for f in summary["latest_findings"])
        rows += [
            (_("Records under objection"), summary["under_objection"]),
            (_("Personal statements"), summary["statements"]),
            (_("Latest yearly finding"), findings or _("None in this report")),
        ]
    if "credit_levels" in summary:
        levels = "；".join(f"{item['occupation']}：{item['label']}" for item in summary["credit_levels"])
        rows.append((_("Credit level"), levels or _("None in this report")))
    # Integrity points (pilot) are in the content only with the person's say-so (their
    # own report, or an authorization that included them) and while the pilot is on.
    if summary.get("points"):
        rows.append((_("Integrity points (pilot)"),
                     "；".join(f"{item['occupation']}：{item['total']}" for item in summary["points"])))
    table = _table([[_p(k, s["cell"]), _p(v, s["cell"])] for k, v in rows], [60 * mm, 114 * mm], header_column=True)
    return [
        _p(_("Summary"), s["h2"]), table, _p(_negative_check(content), s["notice"]),
        _p(str(WHAT_A_REPORT_SHOWS), s["small"]),
    ]


# What "effective" means, the same on every report whatever it holds (so it says nothing
# of the person): the records a third party may see (disclosure.selectors, DESIGN §6, §7;
# 003 item 10 for the records of conduct before 18).
WHAT_A_REPORT_SHOWS = gettext_lazy(
    "A report shows records that are published and within their display period. Records repaired, withdrawn or "
    "past their display period, and records of conduct before the age of 18, are never in a report."
)


def _negative_check(content: dict[str, Any]) -> str:
    check = content.get("negative_check")
    if check is None:
        return _("No negative records in scope.") if content["summary"]["negative"] == 0 else ""
    if check["found"]:
        return _("%(n)s effective negative record(s) are in this report.") % {"n": check["found"]}
    if check["complete"]:
        return _("No negative records") + _("(every archive of the person and every effective negative record were looked at)")
    return _(
        "No negative record within what this report looked at (see its scope). "
        "This report does not say whether the person has negative records elsewhere."
    )


def _archive(archive: dict[str, Any], s: dict[str, ParagraphStyle]) -> list[Any]:
    story: list[Any] = [
        _p(archive["occupation"], s["h2"]),
        _p(join_fields(archive["department"], archive["employer"], archive.get("title")), s["small"]),
    ]
    rows: list[list[Any]] = [[_p(_("Record"), s["cell"]), _p(_("Category"), s["cell"]), _p(_("Decided"), s["cell"])]]
    for record in archive["records"]:
        label = record["title"]
        if record["polarity"] == "negative":
            severity = f"·{record['severity_label']}" if record.get("severity_label") else ""
            label = f"【{_('Negative record')}{severity}】{label}"
        if record["under_objection"]:
            label = f"{label}【{_('Under objection')}】"
        cell = [_p(label, s["negative"] if record["polarity"] == "negative" else s["cell"])]
        detail = join_fields(record.get("description"), record.get("decision_number"), record.get("deciding_body"))
        if detail:
            cell.append(_p(detail + "。", s["small"]))
        if record.get("statement"):
            cell.append(_p(f"{_('Personal statement')}：{record['statement']}", s["small"]))
        rows.append([cell, _p(record["category"], s["cell"]), _p(record["decided_on"], s["cell"])])
    if len(rows) == 1:
        rows.append([_p(_("No records in scope."), s["cell"]), "", ""])
    # The category column fits the longest catalogue name (10 characters) on one line.
    story.append(_table(rows, [104 * mm, 44 * mm, 26 * mm]))
    # The level with its reasons and the points line by line, as the report page shows them.
    level = archive.get("credit_level")
    if level:
        story += [Spacer(1, 4), _p(f"{_('Credit level')}：{level['label']}", s["body"])]
        story += [_p(f"{n}. {_line(r['text'], r.get('basis'))}", s["small"]) for n, r in enumerate(level["reasons"], 1)]
    scored = archive.get("points")
    if scored:
        story += [Spacer(1, 4), _p(f"{_('Integrity points (pilot)')}：{scored['total']}", s["body"])]
        for line in scored["lines"]:
            story.append(_p("· " + _line(f"{line['text']}：{line['points']}", line.get("basis")), s["small"]))
    if archive.get("findings"):
        findings = "；".join(f"{f['year']} {f['status_label']}" for f in archive["findings"])
        story += [Spacer(1, 4), _p(f"{_('Yearly findings')}：{findings}", s["body"])]
    return story


def _line(text: str, basis: str | None) -> str:
    return f"{text}（{_('Basis')}：{basis}）" if basis else text


def render_report_pdf(report: CreditReport, *, verify_url: str = "") -> bytes:
    """The PDF of a frozen report. ``verify_url``: the absolute address of the
    verification page for this report (printed and encoded in the QR code)."""
    s = _styles()
    content = report.content
    buffer = BytesIO()
    doc = SimpleDocTemplate(
        buffer, pagesize=A4, leftMargin=18 * mm, rightMargin=18 * mm, topMargin=18 * mm, bottomMargin=18 * mm,
        title=f"{_('Personal credit report')} {report.number}", author=f"{settings.PORTAL_REGION}",
    )
    story: list[Any] = [
        _p(f"{settings.PORTAL_REGION} {_('Personal credit report')}", s["title"]),
        _head(report, s),
        Spacer(1, 6),
        *_summary(content, s),
    ]
    for archive in content["archives"]:
        story += _archive(archive, s)
    if not content["archives"]:
        story.append(_p(_("No archives in scope."), s["body"]))
    check = [
        _p(f"{_('Content digest (for technical checks)')}：{report.digest}", s["small"]),
        _p(_("Anyone holding this report can check that it is genuine on the report verification page, with the report number and the verification code."), s["small"]),
    ]
    if verify_url:
        check.append(_p(f"{_('Verification address')}：{verify_url}", s["small"]))
        block = Table([[_qr(verify_url), check]], colWidths=[32 * mm, 142 * mm],
                      style=TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("FONTNAME", (0, 0), (-1, -1), _font())]))
        story += [Spacer(1, 10), KeepTogether([block])]
    else:
        story += [Spacer(1, 10), *check]

    class Numbered(_NumberedCanvas):
        report_number = report.number

    doc.build(story, canvasmaker=Numbered)
    return buffer.getvalue()
