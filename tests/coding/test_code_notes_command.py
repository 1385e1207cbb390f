"""meaningful code-notes: JSON lines in, suggested codes out, bad lines named on stderr."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

GOOD_AND_BAD = "\n".join(
    [
        json.dumps({"id": "n1", "text": "She is scared to go out since she was mugged."}),
        "this is not json",
        json.dumps({"id": 7, "text": "He misses his friends and hardly sees anyone now."}),
        json.dumps({"id": "n3"}),
        "",
    ]
)


@pytest.mark.django_db
def test_it_writes_one_line_per_good_note_best_first_and_names_bad_lines(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(GOOD_AND_BAD))
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError, match="2 line"):
        call_command(
            "code_notes", "--framework", "talking-points-service-users", stdout=out, stderr=err
        )
    rows = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [row["id"] for row in rows] == ["n1", 7]
    assert rows[0]["codes"][0]["outcome"] == "feeling-safe"
    assert "seeing-people" in [c["outcome"] for c in rows[1]["codes"]]
    for row in rows:
        assert len(row["codes"]) == 3
        scores = [c["score"] for c in row["codes"]]
        assert scores == sorted(scores, reverse=True)
    assert "line 2: not JSON" in err.getvalue()
    assert 'line 4: "text" must be a non-empty string' in err.getvalue()


@pytest.mark.django_db
def test_it_codes_carers_notes_with_the_number_asked_for(monkeypatch: pytest.MonkeyPatch) -> None:
    note = {"id": "c1", "text": "She has had to give up work to care and money is very tight."}
    monkeypatch.setattr("sys.stdin", io.StringIO(json.dumps(note) + "\n"))
    out = io.StringIO()
    call_command("code_notes", "--framework", "talking-points-carers", "--top", "5", stdout=out)
    (row,) = [json.loads(line) for line in out.getvalue().splitlines()]
    assert row["id"] == "c1"
    assert len(row["codes"]) == 5
    assert "carer-financial" in [c["outcome"] for c in row["codes"][:3]]


@pytest.mark.django_db
def test_it_refuses_an_unknown_framework_and_a_top_below_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    with pytest.raises(CommandError, match="No framework 'nope'"):
        call_command("code_notes", "--framework", "nope")
    with pytest.raises(CommandError, match="--top"):
        call_command("code_notes", "--framework", "talking-points-carers", "--top", "0")
