"""Figures by national outcome at the hub: summed, protected and audited with every organisation's
published figures, shown beside the personal outcome tables in every format."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from openpyxl import load_workbook
from pypdf import PdfReader

from meaningful.disclosure.policy import NHS_STYLE, Policy
from meaningful.national.combine import NationalRelease, combine
from meaningful.national.families import NATIONAL_OUTCOMES
from meaningful.national.output import release_json
from meaningful.national.reading import SubmittedReturn
from meaningful.national.render import render
from tests.national.returns import OUTCOMES, make_return, many, random_ratings

CODES = [code for code, _ in OUTCOMES]
SUPPRESSION = Policy(threshold=5, rounding_base=1, minimum_n=5, method="suppression")
PRIMARY_ONLY = Policy(
    threshold=5, rounding_base=1, minimum_n=5, method="suppression", secondary_suppression=False
)
PARTS = ("people", "met", "not_met")


def submitted(*documents: dict[str, Any]) -> list[SubmittedReturn]:
    return [SubmittedReturn(f"{d['organisation']['code']}.json", d) for d in documents]


def three(**options: Any) -> list[dict[str, Any]]:
    return [
        make_return(code, random_ratings(seed, 150, CODES), **options)
        for code, seed in (("north", 11), ("south", 22), ("east", 33))
    ]


def national_figures(release: NationalRelease) -> dict[tuple[str, ...], Any]:
    return {f.key: f for f in release.releases[NATIONAL_OUTCOMES].figures}


def test_the_national_figures_are_the_sums_of_the_organisations_counts() -> None:
    documents = three()
    release = combine(submitted(*documents), NHS_STYLE)
    assert release.passed, release.refusal()
    figures = national_figures(release)
    assert set(figures) == {(str(n), part) for n in range(1, 10) for part in PARTS}
    for n in range(1, 10):
        for part in PARTS:
            exact = sum(d["national_outcomes"][n - 1][part]["count"] for d in documents)
            figure = figures[str(n), part]
            assert figure.value == exact
            assert figure.published is None or figure.published == NHS_STYLE.publish(exact)
    assert figures["7", "people"].value > 0 and figures["4", "people"].value > 0
    family = next(f for f in release.families if f.name == NATIONAL_OUTCOMES)
    assert family.organisations == ("east", "north", "south")
    assert len(family.linked) == 3 * 27  # each organisation's published figures, audited with


def test_a_count_an_organisation_hid_cannot_be_had_from_the_national_total() -> None:
    """West hides 2 people met under national outcome 7; the national total less the others'
    exact figures would give it away unless the national figure is hidden too."""
    west = make_return(
        "west", many(30, outcome="feeling-safe"), policy=SUPPRESSION, national={7: (40, 2)}
    )
    assert west["national_outcomes"][6]["met"] == {"count": 2, "published": None}
    others = [
        make_return(code, random_ratings(seed, 300, CODES), policy=SUPPRESSION)
        for code, seed in (("north", 1), ("south", 2))
    ]
    refused = combine(submitted(west, *others), PRIMARY_ONLY)
    assert not refused.passed
    assert (
        "an earlier release (West Partnership's return), table 'national-outcomes', cell west, "
        "7, met: it could be worked out as exactly 2"
    ) in refused.refusal()
    protected = combine(submitted(west, *others), SUPPRESSION)
    assert protected.passed, protected.refusal()
    assert national_figures(protected)["7", "met"].published is None


def test_returns_of_1_0_are_combined_beside_those_of_1_1() -> None:
    north, south, _ = three()
    older = make_return("east", random_ratings(33, 150, CODES), version="1.0")
    assert "national_outcomes" not in older
    release = combine(submitted(north, south, older), NHS_STYLE)
    assert release.passed, release.refusal()
    family = next(f for f in release.families if f.name == NATIONAL_OUTCOMES)
    assert family.organisations == ("north", "south")
    figures = national_figures(release)
    assert figures["7", "people"].value == sum(
        d["national_outcomes"][6]["people"]["count"] for d in (north, south)
    )
    assert any("from 2 of 3 organisations (east sent returns of format version 1.0" in note
               for note in release.notes)  # fmt: skip
    assert "talking-points-service-users@1/latest" in {f.name for f in release.families}
    data = release_json(release)
    assert [o["format_version"] for o in data["organisations"]] == ["1.0", "1.1", "1.1"]


def test_returns_of_1_0_alone_give_no_table_by_national_outcome() -> None:
    documents = three(version="1.0")
    release = combine(submitted(*documents), NHS_STYLE)
    assert NATIONAL_OUTCOMES not in release.releases
    assert any(note.startswith("No figures by national outcome") for note in release.notes)


def test_every_format_shows_the_section_beside_the_personal_outcome_tables() -> None:
    data = release_json(combine(submitted(*three()), NHS_STYLE))
    sections = [table["section"] for table in data["tables"]]
    assert sections.index("levels") < sections.index("national_outcomes")
    table = next(t for t in data["tables"] if t["section"] == "national_outcomes")
    assert table["labels"]["national_outcome"]["7"] == "7. Safe from harm"
    assert {row["key"]["status"] for row in table["rows"]} == {"met", "not_met", "people"}

    text = render(data, "csv").decode("utf-8-sig")
    rows = [row for row in csv.reader(io.StringIO(text)) if row and row[0] == NATIONAL_OUTCOMES]
    assert any(row[1:4] == ["All organisations", "7", "people"] for row in rows)
    assert any(row[1] == "north" for row in rows)
    assert "talking-points-service-users@1/latest" in text

    book = load_workbook(io.BytesIO(render(data, "xlsx")))
    sheet = next(book[name] for name in book.sheetnames if "national-outcomes" in name)
    assert sheet["B2"].value == "People under each national outcome, met and not met"

    pdf = "".join(page.extract_text() for page in PdfReader(io.BytesIO(render(data, "pdf"))).pages)
    assert "By national outcome" in pdf and "7. Safe from harm" in pdf
    assert "Latest agreed level of each outcome" in pdf

    html = render(data, "html").decode()
    section = html[html.index('id="national-outcomes"') :]
    assert "7. Safe from harm" in section and "never added up across national outcomes" in section
    assert html.index("Latest agreed level of each outcome") < html.index('id="national-outcomes"')
    assert json.loads(render(data, "json"))["tables"] == data["tables"]
