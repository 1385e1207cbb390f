"""Draw one outcome's journey as an accessible inline SVG line chart.

The chart never stands alone: the page shows the same points as a table beside it. So the SVG
carries a short spoken summary in its <desc>, and crowded visual detail (date labels, level
labels) is thinned rather than allowed to overlap.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from html import escape

from meaningful.web.dates import long_date, short_date

KINDS = frozenset({"baseline", "review", "exit"})

# Colours meet WCAG 2.2 AA on the white background the chart paints for itself.
TEXT_COLOUR = "#0b0c0c"
LINE_COLOUR = "#1d70b8"
GRID_COLOUR = "#b1b4b6"
BACKGROUND = "#ffffff"

FONT_SIZE = 14
# Text is not measured (the font is inherited); 0.55em is a generous average character width.
CHAR_WIDTH = FONT_SIZE * 0.55
DATE_LABEL_SPACING = 72  # "13 Sep 25" is about 64 units wide at 14px, plus a gap
LEVEL_LABEL_SPACING = FONT_SIZE + 4
MIN_LEFT, RIGHT, TOP = 56, 40, 14
TICK_GAP, TICK_LENGTH = 6, 10
DATE_BASELINE = 34  # below the bottom gridline, clear of the no-agreed-level ticks
BOTTOM_SPACE = DATE_BASELINE + 8
LEGEND_HEIGHT = 24
POINT_RADIUS = 5
MIN_WIDTH, MIN_HEIGHT = 240, 120

# Characters XML 1.0 cannot hold even when escaped; a name containing one must not break the page.
_NOT_IN_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


@dataclass(frozen=True)
class JourneyPoint:
    """The agreed level of one outcome at one conversation."""

    held_on: date
    kind: str  # "baseline", "review" or "exit"
    level_label: str | None  # e.g. "Partly met"; None when no agreed level was recorded
    rank: int | None  # 1 = worst .. max_rank = best; None when no agreed (ranked) level


@dataclass(frozen=True)
class OutcomeJourney:
    code: str
    name: str
    level_labels: tuple[str, ...]  # labels of the ranked levels, index 0 = rank 1 (worst)
    points: tuple[JourneyPoint, ...]  # in date order


@dataclass(frozen=True)
class _Frame:
    """The plotting area in viewBox units, and how dates and ranks map into it."""

    left: float
    right: float
    top: float
    bottom: float
    first_day: date
    last_day: date
    levels: int

    def x(self, day: date) -> float:
        span = (self.last_day - self.first_day).days
        if span == 0:
            return (self.left + self.right) / 2
        return self.left + (day - self.first_day).days / span * (self.right - self.left)

    def y(self, rank: int) -> float:
        if self.levels <= 1:
            return (self.top + self.bottom) / 2
        return self.bottom - (rank - 1) / (self.levels - 1) * (self.bottom - self.top)


def journey_svg(journey: OutcomeJourney, *, width: int = 560, height: int = 180) -> str:
    """Return an inline SVG line chart of the agreed level over time; the same data must also be shown as a table beside it."""
    _check(journey, width, height)
    chart_id = chart_id_for(journey.code)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" id="{chart_id}" class="journey-chart"'
        f' viewBox="0 0 {width} {height}" width="100%" preserveAspectRatio="xMinYMin meet"'
        f' role="img" aria-labelledby="{chart_id}-title" aria-describedby="{chart_id}-desc"'
        f' font-family="inherit" font-size="{FONT_SIZE}" fill="{TEXT_COLOUR}">',
        f'<title id="{chart_id}-title">{_text(journey.name)}: agreed level over time</title>',
        f'<desc id="{chart_id}-desc">{_text(_summary(journey.points))}</desc>',
        f'<rect width="{width}" height="{height}" fill="{BACKGROUND}"/>',
    ]
    if not journey.points:
        parts.append(_not_yet_rated(width / 2, height / 2))
    else:
        frame = _frame(journey, width, height)
        parts += _level_rows(frame, journey.level_labels)
        parts += _line_and_points(frame, journey.points)
        parts += _unrated_ticks(frame, journey.points)
        parts += _date_labels(frame, journey.points)
        if any(p.rank is None for p in journey.points):
            parts.append(_legend(frame))
        if all(p.rank is None for p in journey.points):
            parts.append(
                _not_yet_rated((frame.left + frame.right) / 2, (frame.top + frame.bottom) / 2)
            )
    parts.append("</svg>")
    return "\n".join(parts)


def chart_id_for(code: str) -> str:
    """Return an element id made only of [a-z0-9-], distinct for distinct outcome codes."""
    slug = re.sub(r"[^a-z0-9]+", "-", code.lower()).strip("-")
    # Slugs alone could collide ("a_b" and "a.b"); a digest of the exact code keeps them apart.
    digest = hashlib.sha256(code.encode("utf-8", "surrogatepass")).hexdigest()[:8]
    return "-".join(part for part in ("journey", slug, digest) if part)


def _check(journey: OutcomeJourney, width: int, height: int) -> None:
    """Fail loudly on data that the caller must never pass (these are programming errors)."""
    if width < MIN_WIDTH or height < MIN_HEIGHT:
        raise ValueError(
            f"a journey chart needs at least {MIN_WIDTH}x{MIN_HEIGHT}, not {width}x{height}"
        )
    for index, point in enumerate(journey.points):
        if point.kind not in KINDS:
            raise ValueError(
                f"point {index}: kind must be one of {sorted(KINDS)}, not {point.kind!r}"
            )
        if point.rank is not None and not 1 <= point.rank <= len(journey.level_labels):
            raise ValueError(
                f"point {index}: rank {point.rank} is outside 1..{len(journey.level_labels)}"
            )
        if point.rank is not None and point.level_label is None:
            raise ValueError(f"point {index}: a ranked point needs its level label")
        if index and point.held_on < journey.points[index - 1].held_on:
            raise ValueError(f"point {index}: points must be in date order")


def _summary(points: Sequence[JourneyPoint]) -> str:
    if not points:
        return "Not yet rated: no conversations about this outcome have been recorded."
    rated = [p for p in points if p.rank is not None]
    unrated = len(points) - len(rated)
    if not rated:
        at = "the one conversation" if unrated == 1 else f"any of the {unrated} conversations"
        return f"Not yet rated: no agreed level at {at} so far."
    first, latest = rated[0], rated[-1]
    if len(rated) == 1:
        text = f"Only agreed level so far: {first.level_label} on {long_date(first.held_on)}."
    else:
        text = (
            f"First: {first.level_label} on {long_date(first.held_on)}."
            f" Latest: {latest.level_label} on {long_date(latest.held_on)}."
        )
    if unrated:
        text += f" No agreed level at {unrated} conversation{'' if unrated == 1 else 's'}."
    return text


def _frame(journey: OutcomeJourney, width: int, height: int) -> _Frame:
    longest = max((len(label) for label in journey.level_labels), default=0)
    left = min(max(longest * CHAR_WIDTH + 16, MIN_LEFT), width * 0.35)
    bottom_space = BOTTOM_SPACE + (
        LEGEND_HEIGHT if any(p.rank is None for p in journey.points) else 0
    )
    return _Frame(
        left=round(left, 1),
        right=width - RIGHT,
        top=TOP,
        bottom=height - bottom_space,
        first_day=journey.points[0].held_on,
        last_day=journey.points[-1].held_on,
        levels=len(journey.level_labels),
    )


def _level_rows(frame: _Frame, labels: Sequence[str]) -> list[str]:
    """Draw one gridline per level and as many level labels as fit, worst and best always."""
    ys = [frame.y(rank) for rank in range(1, len(labels) + 1)]
    labelled = set(_spaced([-y for y in ys], LEVEL_LABEL_SPACING))
    max_chars = max(1, int((frame.left - 12) // CHAR_WIDTH))
    parts = []
    for index, (label, y) in enumerate(zip(labels, ys, strict=True)):
        parts.append(
            f'<line class="journey-grid" x1="{_n(frame.left)}" x2="{_n(frame.right)}"'
            f' y1="{_n(y)}" y2="{_n(y)}" stroke="{GRID_COLOUR}" stroke-width="1"/>'
        )
        if index in labelled:
            parts.append(
                f'<text class="journey-level" x="{_n(frame.left - 10)}" y="{_n(y + FONT_SIZE * 0.35)}"'
                f' text-anchor="end">{_text(_fit(label, max_chars))}</text>'
            )
    return parts


def _line_and_points(frame: _Frame, points: Sequence[JourneyPoint]) -> list[str]:
    """Join the rated points in date order; points with no agreed level are left out of the line."""
    rated = [(p, frame.x(p.held_on), frame.y(p.rank)) for p in points if p.rank is not None]
    parts = []
    if len(rated) > 1:
        coords = " ".join(f"{_n(x)},{_n(y)}" for _, x, y in rated)
        parts.append(
            f'<polyline class="journey-line" points="{coords}" fill="none" stroke="{LINE_COLOUR}"'
            ' stroke-width="3" stroke-linejoin="round" stroke-linecap="round"/>'
        )
    for point, x, y in rated:
        tooltip = f"{point.kind.capitalize()}, {long_date(point.held_on)}: {point.level_label}"
        parts.append(
            f'<circle class="journey-point" cx="{_n(x)}" cy="{_n(y)}" r="{POINT_RADIUS}"'
            f' fill="{LINE_COLOUR}" stroke="{BACKGROUND}" stroke-width="2">'
            f"<title>{_text(tooltip)}</title></circle>"
        )
    return parts


def _unrated_ticks(frame: _Frame, points: Sequence[JourneyPoint]) -> list[str]:
    """Mark each conversation with no agreed level by a short tick under the bottom gridline."""
    parts = []
    for point in points:
        if point.rank is not None:
            continue
        x = _n(frame.x(point.held_on))
        said = f" ({point.level_label})" if point.level_label else ""
        tooltip = f"{point.kind.capitalize()}, {long_date(point.held_on)}: no agreed level{said}"
        parts.append(
            f'<line class="journey-unrated" x1="{x}" x2="{x}" y1="{_n(frame.bottom + TICK_GAP)}"'
            f' y2="{_n(frame.bottom + TICK_GAP + TICK_LENGTH)}" stroke="{TEXT_COLOUR}"'
            f' stroke-width="2"><title>{_text(tooltip)}</title></line>'
        )
    return parts


def _date_labels(frame: _Frame, points: Sequence[JourneyPoint]) -> list[str]:
    """Label distinct dates under the chart: first and last always, the rest only where they fit."""
    days = sorted({p.held_on for p in points})
    xs = [frame.x(day) for day in days]
    y = _n(frame.bottom + DATE_BASELINE)
    return [
        f'<text class="journey-date" x="{_n(xs[i])}" y="{y}" text-anchor="middle">'
        f"{short_date(days[i])}</text>"
        for i in _spaced(xs, DATE_LABEL_SPACING)
    ]


def _legend(frame: _Frame) -> str:
    y = frame.bottom + DATE_BASELINE + LEGEND_HEIGHT
    x = frame.left
    return (
        f'<g class="journey-legend"><line x1="{_n(x)}" x2="{_n(x)}" y1="{_n(y - TICK_LENGTH)}"'
        f' y2="{_n(y)}" stroke="{TEXT_COLOUR}" stroke-width="2"/>'
        f'<text x="{_n(x + 8)}" y="{_n(y)}">No agreed level</text></g>'
    )


def _not_yet_rated(x: float, y: float) -> str:
    return (
        f'<text class="journey-empty" x="{_n(x)}" y="{_n(y + FONT_SIZE * 0.35)}"'
        ' text-anchor="middle">Not yet rated</text>'
    )


def _spaced(positions: Sequence[float], gap: float) -> list[int]:
    """Return indexes of ascending positions to label: first and last, then each that keeps its gap."""
    if len(positions) <= 1:
        return list(range(len(positions)))
    last = len(positions) - 1
    kept = [0]
    for index in range(1, last):
        fits_before = positions[index] - positions[kept[-1]] >= gap
        fits_after = positions[last] - positions[index] >= gap
        if fits_before and fits_after:
            kept.append(index)
    return [*kept, last]


def _fit(label: str, max_chars: int) -> str:
    """Shorten a label to the room beside the chart; the table beside it shows it in full."""
    return label if len(label) <= max_chars else label[: max_chars - 1].rstrip() + "\u2026"


def _text(value: str) -> str:
    """Escape data for XML text or attributes, dropping characters XML cannot hold at all."""
    return escape(_NOT_IN_XML.sub("", value), quote=True)


def _n(value: float) -> str:
    """Format a coordinate with one decimal place so the output is stable and compact."""
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text
