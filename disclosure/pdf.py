"""The credit report as PDF, with Chinese text (reportlab).

Font: reportlab's built-in CID font STSong-Light (Adobe-GB1, UniGB-UCS2-H), which
needs no font file in the repository or on the server: PDF readers supply the glyphs
(on Linux, poppler renders it with poppler-data's CMaps and a system CJK font). No
external resource is fetched. The PDF shows the same frozen snapshot as the HTML page,
plus the number, the verification code and the digest for the public check.
"""

from __future__ import annotations

from io import BytesIO
from typing import Any
from xml.sax.saxutils import escape

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from disclosure.models import CreditReport
from disclosure.services.reports import verification_code

FONT = "STSong-Light"
_registered = False


def _font() -> str:
    global _registered
    if not _registered:
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))
        _registered = True
    return FONT


def _styles() -> dict[str, ParagraphStyle]:
    font = _font()
    base = ParagraphStyle("base", fontName=font, fontSize=10.5, leading=16, wordWrap="CJK")
    return {
        "title": ParagraphStyle("title", parent=base, fontSize=18, leading=26, alignment=TA_CENTER, spaceAfter=8),
        "h2": ParagraphStyle("h2", parent=base, fontSize=13, leading=20, spaceBefore=10, spaceAfter=4),
        "body": base,
        "small": ParagraphStyle("small", parent=base, fontSize=8.5, leading=12, textColor=colors.HexColor("#505a5f")),
        "negative": ParagraphStyle("negative", parent=base, textColor=colors.HexColor("#942514")),
    }


def _p(text: Any, style: ParagraphStyle) -> Paragraph:
    return Paragraph(escape(str(text if text is not None else "")), style)


def render_report_pdf(report: CreditReport) -> bytes:
    s = _styles()
    content = report.content
    buffer = BytesIO()
    doc = SimpleDocTemplate(
        buffer, pagesize=A4, leftMargin=18 * mm, rightMargin=18 * mm, topMargin=18 * mm, bottomMargin=18 * mm,
        title=f"{_('Personal credit report')} {report.number}", author=f"{settings.PORTAL_REGION}",
    )
    issued = timezone.localtime(report.issued_at).strftime("%Y-%m-%d %H:%M:%S")
    subject = content["subject"]
    scope = content["scope"]
    scope_text = (_("All archives") if scope.get("all_archives") else "、".join(scope.get("occupations", []))) + "；" + (
        _("every kind of information") if scope.get("all_categories") else "、".join(scope.get("categories", []))
    )
    head = [
        [_p(_("Report number"), s["body"]), _p(report.number, s["body"])],
        [_p(_("Verification code"), s["body"]), _p(verification_code(report), s["body"])],
        [_p(_("Issued (query time)"), s["body"]), _p(issued, s["body"])],
        [_p(_("Person"), s["body"]), _p(f"{subject['name']}（{subject['id_number_masked']}）", s["body"])],
        [_p(_("Issued to"), s["body"]), _p(
            f"{content['issued_to']['name']}（{content['issued_to']['credit_code']}）" if content.get("issued_to")
            else _("The person themself"), s["body"])],
    ]
    if content.get("purpose"):
        head.append([_p(_("Authorized purpose"), s["body"]), _p(f"{content['purpose']}（{content['authorization']}）", s["body"])])
    head.append([_p(_("Scope"), s["body"]), _p(scope_text, s["body"])])
    table_style = TableStyle([
        ("GRID", (0, 0), (-1, -1), 0.5, colors.HexColor("#b1b4b6")),
        ("BACKGROUND", (0, 0), (0, -1), colors.HexColor("#f3f2f1")),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ])
    records_style = TableStyle([
        ("GRID", (0, 0), (-1, -1), 0.5, colors.HexColor("#b1b4b6")),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#f3f2f1")),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ])
    story: list[Any] = [
        _p(f"{settings.PORTAL_REGION} {_('Personal credit report')}", s["title"]),
        Table(head, colWidths=[40 * mm, 134 * mm], style=table_style),
        Spacer(1, 6),
    ]
    if content["summary"]["negative"] == 0:
        story.append(_p(_("No negative records"), s["body"]))
    for archive in content["archives"]:
        story.append(_p(archive["occupation"], s["h2"]))
        story.append(_p(f"{archive['department']}，{archive['employer']}", s["small"]))
        rows = [[_p(_("Record"), s["body"]), _p(_("Category"), s["body"]), _p(_("Decided"), s["body"])]]
        for record in archive["records"]:
            label = record["title"]
            if record["polarity"] == "negative":
                label = f"【{_('Negative record')}】{label}"
            if record["under_objection"]:
                label = f"{label}【{_('Under objection')}】"
            cell = [_p(label, s["negative"] if record["polarity"] == "negative" else s["body"])]
            detail = "；".join(x for x in (record.get("description"), record.get("decision_number"), record.get("deciding_body")) if x)
            if detail:
                cell.append(_p(detail, s["small"]))
            if record.get("statement"):
                cell.append(_p(f"{_('Personal statement')}：{record['statement']}", s["small"]))
            rows.append([cell, _p(record["category"], s["body"]), _p(record["decided_on"], s["body"])])
        if len(rows) == 1:
            rows.append([_p(_("No records in scope."), s["body"]), "", ""])
        story.append(Table(rows, colWidths=[104 * mm, 40 * mm, 30 * mm], style=records_style, repeatRows=1))
        if archive.get("findings"):
            story.append(_p(_("Yearly findings") + "：" + "；".join(f"{f['year']} {f['status_label']}" for f in archive["findings"]), s["body"]))
    story += [
        Spacer(1, 10),
        _p(f"{_('SM3 digest')}：{report.digest}", s["small"]),
        _p(_("Anyone holding this report can check that it is genuine on the report verification page, with the report number and the verification code."), s["small"]),
    ]
    doc.build(story)
    return buffer.getvalue()
