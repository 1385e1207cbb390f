from __future__ import annotations

from datetime import date

import pytest

from meaningful.interop.tabular.columns import ColumnError, match_columns, normalise_heading
from meaningful.interop.tabular.values import Levels, OutcomeNames, parse_kind, parse_uk_date

TODAY = date(2026, 11, 26)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("25/12/2023", date(2023, 12, 25)),
        ("5/1/2024", date(2024, 1, 5)),
        ("25-12-2023", date(2023, 12, 25)),
        ("2023-12-25", date(2023, 12, 25)),
        ("25-Dec-23", date(2023, 12, 25)),
        ("25 December 2023", date(2023, 12, 25)),
        ("25.12.23", date(2023, 12, 25)),
        ("01/01/30", date(1930, 1, 1)),
        ("01/01/26", date(2026, 1, 1)),
    ],
)
def test_it_reads_uk_dates_day_first(text: str, expected: date) -> None:
    assert parse_uk_date(text, today=TODAY) == expected


@pytest.mark.parametrize(
    "text", ["31/02/2024", "12/25/2023", "yesterday", "2023-13-01", "\uff12\uff15/12/2023", ""]
)
def test_it_refuses_impossible_or_foreign_dates(text: str) -> None:
    with pytest.raises(ValueError):
        parse_uk_date(text, today=TODAY)


def test_conversation_types_people_write() -> None:
    assert [parse_kind(t) for t in ["Baseline", "initial", "Follow-up", "", "Closure"]] == [
        "baseline",
        "baseline",
        "review",
        "review",
        "exit",
    ]
    with pytest.raises(ValueError, match="unknown conversation type"):
        parse_kind("chat")


def test_outcome_names_match_by_name_code_synonym_and_half_name() -> None:
    names = OutcomeNames(
        [
            ("living-as-you-want", "Living where you want / as you want", ["living as i want"]),
            ("staying-well", "Staying as well as you can", ["staying as well as i can"]),
        ]
    )
    for text in ["Living where you want", "as you want", "LIVING AS I WANT", "living-as-you-want"]:
        assert names.code_for(text) == "living-as-you-want"
    assert names.code_for(" Staying as well as I can ") == "staying-well"
    with pytest.raises(ValueError, match="unknown outcome 'Flying'"):
        names.code_for("Flying")


def test_ratings_in_words_numbers_and_blanks() -> None:
    words = Levels(
        [("not-met", "Not met", None), ("partly-met", "Partly met", None), ("met", "Met", None)],
        numeric=False,
        explicit=False,
    )
    assert [
        words.read(t).level for t in ["Met", "partly", "NOT MET", "Partially met", "N/A", ""]
    ] == ["met", "partly-met", "not-met", "partly-met", None, None]
    assert words.read("3").flag == "number rating with no scale chosen"
    assert words.read("sort of").flag == "rating not on the scale"
    numbers = Levels([(str(n), str(n), n) for n in range(1, 7)], numeric=True, explicit=True)
    assert numbers.read("4").level == "4"
    assert numbers.read("9").flag == "rating not on the scale"


def test_headings_are_matched_loosely_and_missing_ones_named() -> None:
    assert normalise_heading("  What's   Working? ") == "whats working"
    columns = match_columns(["CLIENT REF", "Conversation Date", "Outcome", "Notes"])
    assert columns.positions == {"person_id": 0, "held_on": 1, "outcome": 2}
    assert columns.ignored == ["Notes"]
    with pytest.raises(ColumnError, match="No column for: outcome"):
        match_columns(["Person ID", "Date"])
