"""The workbench's tables as extracts (downloaded as CSV): codes applied together, and
agreement between two coders.

Counts, statistics and code names only: no words of anyone's narratives, no person. Cells are
neutralised so that no spreadsheet runs one as a formula (a theme may be called "=1+1").
"""

from __future__ import annotations

from meaningful.coding.agreement_report import AgreementReport
from meaningful.coding.cooccurrence import Basis, Matrix
from meaningful.interop.tabular.export import Extract, neutralise


def _figure(value: float | None) -> str:
    return "" if value is None else f"{value:.3f}"


def cooccurrence_extract(matrix: Matrix) -> Extract:
    """One row and one column per code, in codebook order; the first column names the row."""
    names = [neutralise(code.name) for code in matrix.codes]
    corner = f"code (counted on: {Basis(matrix.basis).label.lower()})"
    rows = [
        [name, *(str(count) for count in counts)]
        for name, counts in zip(names, matrix.counts, strict=True)
    ]
    return Extract([corner, *names], rows)


def agreement_extract(report: AgreementReport) -> Extract:
    """One row per code (kappa and the 2 x 2 counts), then Krippendorff's alpha over all codes."""
    first, second = neutralise(report.first), neutralise(report.second)
    columns = [
        "code",
        "cohens_kappa",
        "both_applied",
        f"only {first}",
        f"only {second}",
        "neither",
        "texts_both_coded",
    ]
    rows = [
        [
            neutralise(row.code.name),
            _figure(row.kappa.kappa),
            str(row.both),
            str(row.only_first),
            str(row.only_second),
            str(row.neither),
            str(report.texts),
        ]
        for row in report.codes
    ]
    rows.append(
        [
            "All codes: Krippendorff's alpha (nominal)",
            _figure(report.alpha.alpha),
            "",
            "",
            "",
            "",
            str(report.texts),
        ]
    )
    return Extract(columns, rows)
