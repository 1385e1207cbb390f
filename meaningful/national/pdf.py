"""The national release as an A4 paper: policy, audit, notes, then every table as a grid."""

from __future__ import annotations

import io
from collections.abc import Mapping
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors  # type: ignore[import-untyped]
from reportlab.lib.pagesizes import A4, landscape  # type: ignore[import-untyped]
from reportlab.lib.units import cm  # type: ignore[import-untyped]
from reportlab.platypus import (  # type: ignore[import-untyped]
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from meaningful.national.output import Grid
from meaningful.national.render import page_context
from meaningful.reports.pdf import BODY, CELL, H1, H2, H3, SMALL

PAGE = landscape(A4)


def _grid(shape: Grid) -> Table:
    header = [*shape.heads, *shape.columns]
    data = [[Paragraph(f"<b>{escape(h)}</b>", CELL) for h in header]]
    data += [
        [Paragraph(escape(v), CELL) for v in (*labels, *values)] for labels, values in shape.rows
    ]
    side = 5 * cm * len(shape.heads)
    rest = (PAGE[0] - 4 * cm - side) / max(1, len(shape.columns))
    table = Table(
        data, colWidths=[5 * cm] * len(shape.heads) + [rest] * len(shape.columns), repeatRows=1
    )
    table.setStyle(
        TableStyle(
            [
                ("LINEBELOW", (0, 0), (-1, 0), 1, colors.black),
                ("LINEBELOW", (0, 1), (-1, -1), 0.25, colors.HexColor("#b1b4b6")),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("ALIGN", (len(shape.heads), 0), (-1, -1), "RIGHT"),
            ]
        )
    )
    return table


def release_pdf(data: Mapping[str, Any]) -> bytes:
    """Return the national release as PDF bytes."""
    context = page_context(data)
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=PAGE,
        leftMargin=2 * cm,
        rightMargin=2 * cm,
        topMargin=1.5 * cm,
        bottomMargin=1.5 * cm,
        title=data["title"],
        author="Meaningful",
        subject=data["period"]["label"],
    )
    period = data["period"]
    story: list[Any] = [
        Paragraph(escape(data["title"]), H1),
        Paragraph(
            escape(
                f"{period['label']}: {period['start']} to {period['end']}. From the returns of "
                + "; ".join(f"{o['name']} ({o['code']})" for o in data["organisations"])
                + "."
            ),
            BODY,
        ),
        Paragraph(escape(data["policy_text"]), BODY),
        Paragraph(escape(context["audit_sentence"]), BODY),
    ]
    for note in data["notes"]:
        story.append(Paragraph(escape(note), SMALL))
    for warning in data["warnings"]:
        story.append(Paragraph(f"<b>Warning.</b> {escape(warning)}", SMALL))
    for section in context["sections"]:
        story.append(Paragraph(escape(section["title"]), H2))
        if section["lead"]:
            story.append(Paragraph(escape(section["lead"]), BODY))
        for item in section["tables"]:
            story.append(Paragraph(escape(item["table"]["title"]), H3))
            story.append(_grid(item["grid"]))
            if item["organisations"] is not None:
                story.append(Spacer(1, 4))
                story.append(Paragraph("As each organisation published it", SMALL))
                story.append(_grid(item["organisations"]))
    story.append(Spacer(1, 6))
    story.append(
        Paragraph(
            f"Counts shown as * are hidden to protect the people counted. Generated {escape(data['generated_at'])}.",
            SMALL,
        )
    )
    document.build(story)
    return buffer.getvalue()
