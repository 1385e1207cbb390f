"""Report charts as inline SVG: a data table always sits beside each one, so they stay simple.

Each chart carries a title and a spoken summary; segment colours contrast at least 3:1 with the
white background and are separated by white gaps, and every segment is also labelled in the
legend, so colour is never the only way to tell levels apart.
"""

from __future__ import annotations

from html import escape
from typing import Any

from django.utils.safestring import mark_safe

from meaningful.analysis.statistics import Funnel
from meaningful.reports.model import FrameworkSection, Report

# Darkest for the lowest level; all at least 3:1 against white (GOV.UK palette).
PALETTE = ("#d4351c", "#505a5f", "#1d70b8", "#00703c", "#4c2c92", "#6f72af", "#912b88", "#003078")
TEXT = "#0b0c0c"
GRID = "#b1b4b6"


def _colour(index: int) -> str:
    return PALETTE[index % len(PALETTE)]


def levels_chart(section: FrameworkSection, chart_id: str) -> str:
    """Stacked bars: each outcome's latest levels as shares of the people rated."""
    outcomes = [o for o in section.outcomes if o.latest.total]
    label_width, bar_width, row = 260, 420, 30
    height = 40 + row * len(outcomes) + 30
    width = label_width + bar_width + 20
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc" class="app-report-chart">',
        f'<title id="{chart_id}-title">Latest agreed levels, {escape(section.name)}</title>',
        f'<desc id="{chart_id}-desc">A bar for each outcome divides the people rated by their '
        "latest agreed level. The table below gives every figure.</desc>",
        f'<rect width="{width}" height="{height}" fill="#ffffff"/>',
    ]
    for index, (_code, label) in enumerate(section.levels):
        key_x = label_width + index * 120
        parts.append(f'<rect x="{key_x}" y="8" width="14" height="14" fill="{_colour(index)}"/>')
        parts.append(
            f'<text x="{key_x + 20}" y="20" font-size="13" fill="{TEXT}">{escape(label)}</text>'
        )
    for position, outcome in enumerate(outcomes):
        y = 40 + position * row
        name = outcome.name if len(outcome.name) <= 34 else outcome.name[:33] + "…"
        parts.append(
            f'<text x="{label_width - 8}" y="{y + 17}" font-size="13" text-anchor="end" '
            f'fill="{TEXT}">{escape(name)}</text>'
        )
        x = float(label_width)
        for index, level in enumerate(outcome.latest.levels):
            share = level.share.share or 0.0
            if share <= 0:
                continue
            w = share * bar_width
            parts.append(
                f'<rect x="{x:.1f}" y="{y}" width="{max(w - 2, 1):.1f}" height="22" '
                f'fill="{_colour(index)}"><title>{escape(outcome.name)}: {escape(level.label)} '
                f"{round(share * 100)}%</title></rect>"
            )
            x += w
    axis = 40 + row * len(outcomes) + 4
    for tick in (0, 50, 100):
        tx = label_width + bar_width * tick / 100
        parts.append(
            f'<text x="{tx:.0f}" y="{axis + 16}" font-size="12" text-anchor="middle" '
            f'fill="{TEXT}">{tick}%</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def funnel_chart(teams: Funnel, chart_id: str, what: str) -> str:
    """Funnel plot: each team's share against 95% and 99.8% limits around the overall share."""
    points = [p for p in teams.points if p.share is not None]
    if teams.overall is None or not points:
        return ""
    width, height, left, bottom, top = 640, 300, 56, 40, 16
    plot_w, plot_h = width - left - 20, height - top - bottom
    largest = max(p.total for p in points)

    def sx(n: float) -> float:
        return left + plot_w * n / largest

    def sy(share: float) -> float:
        return top + plot_h * (1 - share)

    sizes = sorted({max(1, round(largest * step / 40)) for step in range(1, 41)})
    curve = teams.curve(sizes)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc" class="app-report-chart">',
        f'<title id="{chart_id}-title">{escape(what)}: teams against the overall share</title>',
        f'<desc id="{chart_id}-desc">Overall {round(teams.overall * 100)}%. Dots are teams, '
        "placed by how many people they rated; dashed lines are 95% limits and dotted lines "
        "99.8% limits. A dot outside the lines differs more than chance would explain. The "
        "table below gives every figure.</desc>",
        f'<rect width="{width}" height="{height}" fill="#ffffff"/>',
    ]
    for tick in (0, 0.25, 0.5, 0.75, 1):
        parts.append(
            f'<line x1="{left}" x2="{left + plot_w}" y1="{sy(tick):.1f}" y2="{sy(tick):.1f}" '
            f'stroke="{GRID}" stroke-width="1"/>'
            f'<text x="{left - 6}" y="{sy(tick) + 4:.1f}" font-size="12" text-anchor="end" '
            f'fill="{TEXT}">{round(tick * 100)}%</text>'
        )
    parts.append(
        f'<line x1="{left}" x2="{left + plot_w}" y1="{sy(teams.overall):.1f}" '
        f'y2="{sy(teams.overall):.1f}" stroke="{TEXT}" stroke-width="2"/>'
    )
    for limit, dash in ((0, "6 4"), (1, "6 4"), (2, "2 3"), (3, "2 3")):
        path = " ".join(
            f"{'M' if i == 0 else 'L'}{sx(n):.1f},{sy(values[limit]):.1f}"
            for i, (n, *values) in enumerate(curve)
        )
        parts.append(
            f'<path d="{path}" fill="none" stroke="#505a5f" stroke-width="1.5" '
            f'stroke-dasharray="{dash}"/>'
        )
    for point in points:
        share = point.share or 0.0
        parts.append(
            f'<circle cx="{sx(point.total):.1f}" cy="{sy(share):.1f}" r="6" fill="#1d70b8" '
            f'stroke="#ffffff" stroke-width="1.5"><title>{escape(point.name)}: '
            f"{point.count} of {point.total} ({round(share * 100)}%), {point.position}</title></circle>"
        )
    parts.append(
        f'<text x="{left + plot_w / 2:.0f}" y="{height - 8}" font-size="12" text-anchor="middle" '
        f'fill="{TEXT}">People rated (0 to {largest})</text>'
    )
    parts.append("</svg>")
    return "".join(parts)


def charts_for(report: Report) -> list[dict[str, Any]]:
    """Each framework section with its two charts, ready for the report template."""
    return [
        {
            "section": section,
            "levels_chart": mark_safe(levels_chart(section, f"levels-{index}")),  # noqa: S308 (every text escaped above)
            "funnel_chart": mark_safe(  # noqa: S308 (every text escaped above)
                funnel_chart(
                    section.teams, f"funnel-{index}", f"Latest ratings met, {section.name}"
                )
            ),
        }
        for index, section in enumerate(report.sections)
    ]
