"""Codebooks stay well-formed, cover every outcome richly, and never borrow the development notes."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from meaningful.coding.codebooks import (
    CODEBOOK_DIR,
    CodebookError,
    codebook_examples,
    outcome_definitions,
)
from meaningful.frameworks.loading import DATA_DIR, read_definition

DEVELOPMENT_SETS = Path(__file__).resolve().parents[2] / "benchmarks" / "data"
FRAMEWORKS = ("talking-points-service-users", "talking-points-carers")
EXAMPLES_PER_OUTCOME = 50
SHARED_RUN = 6  # words in a row that a codebook sentence may not share with any development note


def words(text: str) -> list[str]:
    """Lower-case words, with curly apostrophes made straight."""
    return re.findall(r"[a-z0-9']+", text.lower().replace("\u2019", "'"))


def runs(text: str, length: int) -> set[tuple[str, ...]]:
    """Every run of `length` consecutive words in a text."""
    w = words(text)
    return {tuple(w[i : i + length]) for i in range(len(w) - length + 1)}


def development_notes() -> list[str]:
    """The texts of every labelled development note, from both sets."""
    return [
        json.loads(line)["text"]
        for path in sorted(DEVELOPMENT_SETS.glob("coding-*.jsonl"))
        for line in path.read_text(encoding="utf-8").splitlines()
    ]


@pytest.mark.parametrize("slug", FRAMEWORKS)
def test_every_outcome_has_many_distinct_examples(slug: str) -> None:
    codes = [o["code"] for o in read_definition(DATA_DIR / f"{slug}.v1.json")["outcomes"]]
    examples = codebook_examples(slug)
    assert sorted(examples) == sorted(codes)
    every = [" ".join(words(e)) for code in codes for e in examples[code]]
    assert len(every) == len(set(every)), "a sentence appears twice"
    for code in codes:
        assert len(examples[code]) >= EXAMPLES_PER_OUTCOME, code
        assert all(e.strip() and len(e) <= 240 for e in examples[code]), code


@pytest.mark.parametrize("slug", FRAMEWORKS)
def test_no_development_note_appears_in_a_codebook(slug: str) -> None:
    notes = development_notes()
    assert len(notes) > 700
    note_runs = set().union(*(runs(note, SHARED_RUN) for note in notes))
    whole_notes = {" ".join(words(note)) for note in notes}
    for code, examples in codebook_examples(slug).items():
        for example in examples:
            assert " ".join(words(example)) not in whole_notes, (code, example)
            shared = runs(example, SHARED_RUN) & note_runs
            assert not shared, (code, example, shared)


def test_the_overlap_check_would_catch_a_borrowed_note() -> None:
    note = development_notes()[0]
    borrowed = "Reported at review: " + note
    assert runs(borrowed, SHARED_RUN) & runs(note, SHARED_RUN)


def test_a_codebook_for_the_wrong_framework_is_refused(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    text = (CODEBOOK_DIR / "talking-points-carers.json").read_text(encoding="utf-8")
    (tmp_path / "talking-points-service-users.json").write_text(text, encoding="utf-8")
    monkeypatch.setattr("meaningful.coding.codebooks.CODEBOOK_DIR", tmp_path)
    with pytest.raises(CodebookError, match="expected format"):
        codebook_examples("talking-points-service-users")


def test_a_codebook_naming_an_unknown_outcome_is_refused() -> None:
    items = [{"code": "a", "name": "A"}]
    with pytest.raises(CodebookError, match=r"\['b'\]"):
        outcome_definitions(items, {"b": ["Something."]})
