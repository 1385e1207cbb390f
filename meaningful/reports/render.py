"""Every format from the same report object."""

from __future__ import annotations

from collections.abc import Callable

from django.template.loader import render_to_string

from meaningful.reports.charts import charts_for
from meaningful.reports.model import Report
from meaningful.reports.tables import as_csv, as_json, as_xlsx


def as_html(report: Report) -> bytes:
    """A standalone HTML page (styles inline) for sharing by email or on an intranet."""
    context = {"report": report, "sections": charts_for(report), "standalone": True}
    return render_to_string("reports/standalone.html", context).encode()


def as_pdf(report: Report) -> bytes:
    from meaningful.reports.pdf import report_pdf  # the PDF library loads only when needed

    return report_pdf(report)


FORMATS: dict[str, Callable[[Report], bytes]] = {
    "pdf": as_pdf,
    "json": as_json,
    "csv": as_csv,
    "xlsx": as_xlsx,
    "html": as_html,
}

CONTENT_TYPES = {
    "json": "application/json",
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "html": "text/html; charset=utf-8",
    "pdf": "application/pdf",
}


def render(report: Report, kind: str) -> bytes:
    return FORMATS[kind](report)
