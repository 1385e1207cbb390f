"""A report's figures as named tables of plain rows: what CSV and XLSX write, and HTML shows."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass

from meaningful.analysis.statistics import Proportion
from meaningful.interop.tabular.export import neutralise
from meaningful.reports.model import Report, as_plain, published

Cell = str | int | float | None


@dataclass
class Table:
    name: str
    title: str
    columns: list[str]
    rows: list[list[Cell]]


SHARE_COLUMNS = ["count", "total", "share", "low_95", "high_95"]


def _share(value: Proportion | None) -> list[Cell]:
    if value is None:
        return [None] * 5
    if value.suppressed:
        return ["*", published(value.total), None, None, None]
    return [
        value.count,
        published(value.total),
        *(round(x, 4) if x is not None else None for x in (value.share, value.low, value.high)),
    ]


def tables_of(report: Report) -> list[Table]:
    """Every figure in the report, one table per kind, framework in each row (never pooled)."""
    levels = Table(
        "levels",
        "Latest agreed level per outcome",
        ["framework", "version", "outcome", "level", *SHARE_COLUMNS],
        [],
    )
    change = Table(
        "change",
        "Change from first to latest agreed rating",
        ["framework", "version", "outcome", "outcome_type", "direction", *SHARE_COLUMNS],
        [],
    )
    change_summary = Table(
        "change_summary",
        "Net improvement and sign test",
        ["framework", "version", "outcome", "people", "net_improvement", "sign_test_p", "small"],
        [],
    )
    completion = Table(
        "completion",
        "Review completion and first levels of those reviewed and not",
        ["framework", "version", "group", "level", *SHARE_COLUMNS],
        [],
    )
    teams = Table(
        "teams",
        "Share of latest ratings met, by team (funnel plot)",
        ["framework", "version", "team", *SHARE_COLUMNS, "limit_95", "limit_99_8", "position"],
        [],
    )
    for section in report.sections:
        key = [section.slug, section.version]
        for outcome in section.outcomes:
            for level in outcome.latest.levels:
                levels.rows.append([*key, outcome.code, level.code, *_share(level.share)])
            moves = [("improved", outcome.change.improved), ("same", outcome.change.same)]
            moves += [("worse", outcome.change.worse)]
            if outcome.change.maintained is not None:
                moves.append(("maintained", outcome.change.maintained))
            for direction, value in moves:
                change.rows.append(
                    [*key, outcome.code, outcome.outcome_type, direction, *_share(value)]
                )
            change_summary.rows.append(
                [
                    *key,
                    outcome.code,
                    published(outcome.change.people),
                    _round(outcome.change.net_improvement),
                    _round(outcome.change.p_value),
                    "yes" if outcome.small else "no",
                ]
            )
        done = section.completion
        completion.rows.append([*key, "people reviewed", "", *_share(done.reviewed)])
        for group, figures in (
            ("first levels, reviewed", done.reviewed_baseline),
            ("first levels, not reviewed", done.not_reviewed_baseline),
        ):
            for level in figures.levels:
                completion.rows.append([*key, group, level.code, *_share(level.share)])
        for point in section.teams.points:
            teams.rows.append(
                [
                    *key,
                    point.name,
                    point.count,
                    point.total,
                    _round(point.share),
                    None,
                    None,
                    f"{_round(point.low95)}-{_round(point.high95)}",
                    f"{_round(point.low998)}-{_round(point.high998)}",
                    point.position,
                ]
            )
    quality = Table(
        "recording_quality",
        "Recording quality by team",
        ["team", "measure", *SHARE_COLUMNS],
        [
            [row.team, measure, *_share(getattr(row, measure))]
            for row in report.quality
            for measure in ("own_words", "working_or_not", "actions", "agreed_level", "service_led")
        ],
    )
    caveats = Table(
        "caveats", "Caveats", ["caveat", "text"], [[c.title, c.text] for c in report.caveats]
    )
    return [
        levels,
        change,
        change_summary,
        completion,
        teams,
        national_table(report),
        quality,
        caveats,
    ]


def national_table(report: Report) -> Table:
    """People by national outcome, after the personal outcome tables they are drawn from."""
    rows: list[list[Cell]] = []
    for figures in report.national:
        if not figures.fed:
            rows.append([figures.number, figures.title, "no", None, None, None, None, None, None])
            continue
        met, _, share, low, high = _share(figures.met)
        rows.append(
            [
                figures.number,
                figures.title,
                "yes",
                published(figures.people),
                met,
                share,
                low,
                high,
                "yes" if figures.small else "no",
            ]
        )
    return Table(
        "national_outcomes",
        "By national outcome: people with a rating on a feeding personal outcome, and those with "
        "every such rating met (the personal outcome tables are the primary figures)",
        [
            "national_outcome",
            "title",
            "fed_by_personal_outcomes",
            "people",
            "met",
            "share",
            "low_95",
            "high_95",
            "small",
        ],
        rows,
    )


def _round(value: float | None) -> float | None:
    return round(value, 4) if value is not None else None


def as_json(report: Report) -> bytes:
    return json.dumps(as_plain(report), indent=2, ensure_ascii=False).encode()


def as_csv(report: Report) -> bytes:
    """All tables in one CSV, long format: the table's name leads each row."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(
        ["report", report.title, "period", report.period_label, "audience", report.audience]
    )
    for table in tables_of(report):
        writer.writerow([])
        writer.writerow(["table", *table.columns])
        for row in table.rows:
            writer.writerow([table.name, *(neutralise(cell) for cell in row)])
    return buffer.getvalue().encode("utf-8-sig")


def as_xlsx(report: Report) -> bytes:
    """One sheet per table, the caveats sheet among them, and an 'about' sheet first."""
    from openpyxl import Workbook  # loaded only when a workbook is asked for

    book = Workbook()
    book.remove(book.worksheets[0])
    about = book.create_sheet("about")
    for row in (
        ["Report", report.title],
        ["Period", f"{report.period_label} ({report.start:%d/%m/%Y} to {report.end:%d/%m/%Y})"],
        ["Audience", report.audience],
        ["Filters", "; ".join(report.filters.described()) or "none"],
        ["Generated", report.generated_at.strftime("%d/%m/%Y %H:%M")],
    ):
        about.append([neutralise(cell) for cell in row])
    for table in tables_of(report):
        sheet = book.create_sheet(table.name[:31])
        sheet.append(table.columns)
        for values in table.rows:
            sheet.append([neutralise(cell) if isinstance(cell, str) else cell for cell in values])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
