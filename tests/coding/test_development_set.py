"""The labelled development sets for assisted outcome coding stay well-formed and balanced."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from meaningful.frameworks.loading import DATA_DIR, read_definition

BENCHMARK_DATA = Path(__file__).resolve().parents[2] / "benchmarks" / "data"
SETS = {
    "coding-talking-points-service-users.jsonl": ("talking-points-service-users", "su-"),
    "coding-talking-points-carers.jsonl": ("talking-points-carers", "carer-"),
}
FIELDS = {"id", "text", "outcome", "style"}
STYLES = {"third-person", "own-words", "terse", "negation", "indirect"}
NOTES_PER_OUTCOME = 24
NOTES_PER_STYLE_PER_OUTCOME = 4
LONGEST_NOTE = 240  # characters: one to three sentences of a case note


def read_notes(name: str) -> list[dict[str, Any]]:
    """Parse every line of a development set file, naming the line of any that is not JSON."""
    notes = []
    lines = (BENCHMARK_DATA / name).read_text(encoding="utf-8").splitlines()
    for number, line in enumerate(lines, start=1):
        try:
            notes.append(json.loads(line))
        except json.JSONDecodeError as error:
            pytest.fail(f"{name} line {number} is not JSON: {error}")
    return notes


def outcomes_of(slug: str) -> dict[str, Any]:
    """The built-in framework's outcomes by code."""
    framework = read_definition(DATA_DIR / f"{slug}.v1.json")
    return {outcome["code"]: outcome for outcome in framework["outcomes"]}


@pytest.mark.parametrize("name", SETS)
def test_every_line_is_a_note_with_exactly_the_four_fields(name: str) -> None:
    for note in read_notes(name):
        assert set(note) == FIELDS, note
        assert all(isinstance(note[field], str) and note[field].strip() for field in FIELDS), note


@pytest.mark.parametrize("name", SETS)
def test_every_note_is_labelled_with_an_outcome_of_its_own_framework(name: str) -> None:
    slug, prefix = SETS[name]
    codes = set(outcomes_of(slug))
    for note in read_notes(name):
        assert note["outcome"] in codes, note["id"]
        assert note["id"].startswith(prefix), note["id"]


@pytest.mark.parametrize("name", SETS)
def test_every_outcome_has_at_least_24_notes(name: str) -> None:
    slug, _ = SETS[name]
    counts = Counter(note["outcome"] for note in read_notes(name))
    short = {code: counts[code] for code in outcomes_of(slug) if counts[code] < NOTES_PER_OUTCOME}
    assert not short, f"outcomes with fewer than {NOTES_PER_OUTCOME} notes: {short}"


@pytest.mark.parametrize("name", SETS)
def test_every_outcome_has_each_style_in_roughly_equal_numbers(name: str) -> None:
    slug, _ = SETS[name]
    notes = read_notes(name)
    assert {note["style"] for note in notes} <= STYLES
    counts = Counter((note["outcome"], note["style"]) for note in notes)
    for code in outcomes_of(slug):
        per_style = [counts[code, style] for style in sorted(STYLES)]
        assert min(per_style) >= NOTES_PER_STYLE_PER_OUTCOME, (code, per_style)
        assert max(per_style) - min(per_style) <= 2, (code, per_style)


def test_ids_and_texts_are_unique_across_both_sets() -> None:
    notes = [note for name in SETS for note in read_notes(name)]
    ids = Counter(note["id"] for note in notes)
    texts = Counter(" ".join(note["text"].lower().split()) for note in notes)
    assert [i for i, n in ids.items() if n > 1] == []
    assert [t for t, n in texts.items() if n > 1] == []


@pytest.mark.parametrize("name", SETS)
def test_notes_are_short_and_never_quote_their_outcome_name_or_prompts(name: str) -> None:
    slug, _ = SETS[name]
    outcomes = outcomes_of(slug)
    for note in read_notes(name):
        text = note["text"].lower()
        outcome = outcomes[note["outcome"]]
        assert len(note["text"]) <= LONGEST_NOTE, note["id"]
        assert outcome["name"].lower() not in text, note["id"]
        for prompt in outcome["prompts"]:
            assert prompt.lower().rstrip("?.") not in text, note["id"]
