"""A report as a board paper (A4 PDF): summary, figures, people's words, caveats.

Built from the same report object as every other format, so a publication report's PDF holds
the protected figures only. Charts are left to the HTML version; the paper gives the tables.
"""

from __future__ import annotations

import io
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors  # type: ignore[import-untyped]
from reportlab.lib.pagesizes import A4  # type: ignore[import-untyped]
from reportlab.lib.styles import ParagraphStyle  # type: ignore[import-untyped]
from reportlab.lib.units import cm  # type: ignore[import-untyped]
from reportlab.platypus import (  # type: ignore[import-untyped]
    Flowable,
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from meaningful.analysis.statistics import Proportion
from meaningful.reports.model import FrameworkSection, Report, count_and_share, shown
from meaningful.reports.national import NATIONAL_DEFINITION, NATIONAL_PRIMARY

BODY = ParagraphStyle("body", fontName="Helvetica", fontSize=10, leading=13, spaceAfter=6)
SMALL = ParagraphStyle("small", parent=BODY, fontSize=8.5, leading=11)
QUOTE = ParagraphStyle("quote", parent=BODY, leftIndent=12, fontName="Helvetica-Oblique")
H1 = ParagraphStyle("h1", fontName="Helvetica-Bold", fontSize=18, leading=22, spaceAfter=8)
H2 = ParagraphStyle(
    "h2", fontName="Helvetica-Bold", fontSize=13, leading=16, spaceBefore=10, spaceAfter=6
)
H3 = ParagraphStyle(
    "h3", fontName="Helvetica-Bold", fontSize=10.5, leading=13, spaceBefore=6, spaceAfter=4
)
CELL = ParagraphStyle("cell", parent=SMALL, spaceAfter=0)


def _cell(value: Proportion | None) -> str:
    return count_and_share(value) or "-"


def _table(header: list[str], rows: list[list[str]], first_width: float = 6 * cm) -> Table:
    data = [[Paragraph(f"<b>{escape(h)}</b>", CELL) for h in header]]
    data += [[Paragraph(escape(str(v)), CELL) for v in row] for row in rows]
    rest = (A4[0] - 4 * cm - first_width) / max(1, len(header) - 1)
    table = Table(data, colWidths=[first_width] + [rest] * (len(header) - 1), repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("LINEBELOW", (0, 0), (-1, 0), 1, colors.black),
                ("LINEBELOW", (0, 1), (-1, -1), 0.25, colors.HexColor("#b1b4b6")),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    return table


def _summary(report: Report) -> list[Flowable]:
    lines = []
    for section in report.sections:
        done = section.completion
        line = (
            f"<b>{escape(section.name)}</b>: {shown(section.people)} people with an agreed "
            "conversation in the period."
        )
        if done.with_baseline > 0 and not done.reviewed.suppressed:
            line += (
                f" {done.reviewed.count} of {done.with_baseline} people whose first review was "
                "due had one."
            )
        lines.append(line)
    return [Paragraph(line, BODY) for line in lines] or [
        Paragraph("No agreed ratings were recorded for this scope in the period.", BODY)
    ]


def _section(section: FrameworkSection) -> list[Flowable]:
    parts: list[Flowable] = [
        Paragraph(escape(f"{section.name} (version {section.version}, {section.scale})"), H2),
        Paragraph("Latest agreed level for each outcome", H3),
        _table(
            ["Outcome", *[label for _, label in section.levels], "People"],
            [
                [o.name, *[_cell(level.share) for level in o.latest.levels], shown(o.latest.total)]
                for o in section.outcomes
            ],
        ),
        Paragraph("Change from the first agreed rating to the latest", H3),
        _table(
            ["Outcome", "People", "Improved", "Same", "Worse", "Maintained", "Net"],
            [
                [
                    o.name,
                    shown(o.change.people),
                    _cell(o.change.improved),
                    _cell(o.change.same),
                    _cell(o.change.worse),
                    _cell(o.change.maintained),
                    "-"
                    if o.change.net_improvement is None
                    else f"{round(o.change.net_improvement * 100):+d}%",
                ]
                for o in section.outcomes
            ],
        ),
    ]
    words = [
        (o.name, direction, text)
        for o in section.outcomes
        for direction, texts in o.stories.items()
        for text in texts[:2]
    ]
    if words:
        parts.append(Paragraph("What people said", H3))
        for name, direction, text in words[:12]:
            parts.append(
                KeepTogether(
                    [
                        Paragraph(escape(f"{name}, {direction}"), SMALL),
                        Paragraph(f"\u201c{escape(text)}\u201d", QUOTE),
                    ]
                )
            )
    return parts


def _national(report: Report) -> list[Flowable]:
    parts: list[Flowable] = [
        Paragraph("By national outcome", H2),
        Paragraph(escape(NATIONAL_PRIMARY), BODY),
        Paragraph(escape(NATIONAL_DEFINITION), SMALL),
    ]
    if report.national_left_out:
        parts.append(
            Paragraph(
                escape(
                    "Left out of this view, as their outcomes are not mapped to national "
                    f"outcomes: {', '.join(report.national_left_out)}."
                ),
                SMALL,
            )
        )
    parts.append(
        _table(
            ["National outcome", "People", "Every feeding outcome met"],
            [
                [f"{n.number}. {n.title}", shown(n.people), _cell(n.met)]
                if n.fed
                else [f"{n.number}. {n.title}", "-", "no personal outcome feeds it"]
                for n in report.national
            ],
            first_width=8 * cm,
        )
    )
    return parts


def report_pdf(report: Report) -> bytes:
    """Return the board paper for the report as PDF bytes."""
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=2 * cm,
        rightMargin=2 * cm,
        topMargin=2 * cm,
        bottomMargin=2 * cm,
        title=report.title,
        author="Meaningful",
        subject=f"{report.period_label} ({report.audience})",
    )
    story: list[Any] = [
        Paragraph(escape(report.title), H1),
        Paragraph(
            escape(
                f"{report.period_label}: {report.start:%d %B %Y} to {report.end:%d %B %Y}. "
                f"{'For publication' if report.audience == 'publication' else 'Internal'}. "
                + (
                    "Filtered by " + "; ".join(report.filters.described()) + "."
                    if report.filters.described()
                    else ""
                )
            ),
            BODY,
        ),
        Paragraph("Summary", H2),
        *_summary(report),
        Paragraph(
            "These figures describe contribution, not effect: read them with the caveats at the end.",
            BODY,
        ),
    ]
    for section in report.sections:
        story += _section(section)
    if report.national:
        story += _national(report)
    story.append(Paragraph("Caveats", H2))
    for caveat in report.caveats:
        story.append(Paragraph(f"<b>{escape(caveat.title)}.</b> {escape(caveat.text)}", BODY))
    story.append(Spacer(1, 6))
    story.append(
        Paragraph(
            "Counts shown as * are hidden to protect the people counted. "
            f"Generated {report.generated_at:%d %B %Y, %H:%M}.",
            SMALL,
        )
    )
    document.build(story)
    return buffer.getvalue()
