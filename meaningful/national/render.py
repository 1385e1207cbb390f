"""The national release in every format, each drawn from the same JSON (see `output.py`)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Mapping
from typing import Any

from django.template.loader import render_to_string

from meaningful.interop.tabular.export import neutralise
from meaningful.national.output import grid, long_rows

Data = Mapping[str, Any]


def as_json(data: Data) -> bytes:
    return json.dumps(data, indent=2, ensure_ascii=False).encode()


def _about(data: Data) -> list[list[str]]:
    audit = data["audit"]
    return [
        ["Release", data["title"]],
        [
            "Period",
            f"{data['period']['label']} ({data['period']['start']} to {data['period']['end']})",
        ],
        ["Organisations", "; ".join(f"{o['name']} ({o['code']})" for o in data["organisations"])],
        ["Policy", data["policy_text"]],
        ["Audit", audit_sentence(audit)],
        *[["Note", note] for note in data["notes"]],
        *[["Warning", warning] for warning in data["warnings"]],
        ["Generated", data["generated_at"]],
    ]


def audit_sentence(audit: Mapping[str, Any]) -> str:
    """The audit's result in one sentence, as every format states it."""
    if not audit["passed"]:
        return (
            f"Refused: {len(audit['problems'])} hidden counts could be worked out too closely; "
            "these tables must not be published."
        )
    narrowest = audit["narrowest_range"]
    return (
        f"Passed: {audit['checked']} hidden counts (national and each organisation's) checked "
        "against every national table and every organisation's published figures; "
        + (
            f"the narrowest range an attacker can work out is {narrowest}."
            if narrowest is not None
            else "none can be narrowed."
        )
    )


def as_csv(data: Data) -> bytes:
    """All tables in one CSV: an 'about' block, then each table with the table's name leading
    each row; national figures first, then each organisation's as it published them."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for line in _about(data):
        writer.writerow([neutralise(cell) for cell in line])
    for table in data["tables"]:
        writer.writerow([])
        writer.writerow(["table", "figures_for", *table["variables"], "value"])
        for row in long_rows(table):
            writer.writerow([table["name"], *(neutralise(cell) for cell in row)])
    return buffer.getvalue().encode("utf-8-sig")


def as_xlsx(data: Data) -> bytes:
    """An 'about' sheet, then one sheet per table (national figures, then organisations')."""
    from openpyxl import Workbook  # loaded only when a workbook is asked for

    book = Workbook()
    about = book.worksheets[0]
    about.title = "about"
    for line in _about(data):
        about.append([neutralise(cell) for cell in line])
    for number, table in enumerate(data["tables"], start=1):
        sheet = book.create_sheet(f"{number} {table['name'].split('@')[-1]}"[:31].replace("/", " "))
        sheet.append(["table", table["name"]])
        sheet.append(["title", table["title"]])
        sheet.append([])
        sheet.append(["figures_for", *table["variables"], "value"])
        for row in long_rows(table):
            sheet.append([neutralise(cell) if isinstance(cell, str) else cell for cell in row])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


NATIONAL_OUTCOMES_LEAD = (
    "The personal outcome figures are the primary figures. These regroup the same latest "
    "ratings under Scotland's nine National Health and Wellbeing Outcomes, through a mapping that "
    "is an interpretation. People: those whose latest agreed rating in the period, on at least "
    "one personal outcome feeding the national outcome, says whether it is met; met: those for "
    "whom every such rating is met. A person counts once under each national outcome and may "
    "count under several, so these figures are never added up across national outcomes."
)


def _section(table: Mapping[str, Any], frameworks: Mapping[str, Any]) -> dict[str, Any]:
    """The heading (and any lead paragraph) a table is shown under."""
    if table["section"] == "national_outcomes":
        return {
            "key": "national_outcomes",
            "title": "By national outcome",
            "lead": NATIONAL_OUTCOMES_LEAD,
        }
    framework = frameworks.get(table["framework"])
    title = (
        f"{framework['name']} (version {framework['version']})"
        if framework
        else "Across all frameworks"
    )
    return {"key": table["framework"], "title": title, "lead": ""}


def page_context(data: Data) -> dict[str, Any]:
    """What the report page and the standalone page show: grids per framework version, by
    national outcome, and across all frameworks."""
    sections: list[dict[str, Any]] = []
    by_key = {f["key"]: f for f in data["frameworks"]}
    for table in data["tables"]:
        heading = _section(table, by_key)
        if not sections or sections[-1]["key"] != heading["key"]:
            sections.append(heading | {"tables": []})
        with_organisations = not table["breakdown"]
        sections[-1]["tables"].append(
            {
                "table": table,
                "grid": grid(table),
                "organisations": grid(table, organisations=True) if with_organisations else None,
            }
        )
    return {"data": data, "sections": sections, "audit_sentence": audit_sentence(data["audit"])}


def as_html(data: Data) -> bytes:
    """A standalone page (styles inline) for sharing by email or on an intranet."""
    return render_to_string("national/standalone.html", page_context(data)).encode()


def as_pdf(data: Data) -> bytes:
    from meaningful.national.pdf import release_pdf  # the PDF library loads only when needed

    return release_pdf(data)


FORMATS: dict[str, Callable[[Data], bytes]] = {
    "json": as_json,
    "csv": as_csv,
    "xlsx": as_xlsx,
    "pdf": as_pdf,
    "html": as_html,
}
CONTENT_TYPES = {
    "json": "application/json",
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "html": "text/html; charset=utf-8",
    "pdf": "application/pdf",
}


def render(data: Data, kind: str) -> bytes:
    return FORMATS[kind](data)
