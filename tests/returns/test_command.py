"""meaningful build-return: what it writes, what it records, and how it says no."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from meaningful.accounts.models import Organisation
from meaningful.conversations.services import OutcomeInput, agree_conversation, record_conversation
from meaningful.demo.factories import Personas, make_person, make_personas
from meaningful.frameworks.models import Framework
from meaningful.returns.models import ReturnRelease
from meaningful.returns.schema import validate_return


def build(*args: str) -> None:
    call_command("build_return", *args)


def test_a_final_return_is_written_and_recorded(
    known: Organisation, personas: Personas, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "return.json"
    build("--period", "2026", "--out", str(out), "--as", personas.admin.username)
    document = json.loads(out.read_text())
    assert validate_return(document) == []
    assert document["metadata"]["final"] is True
    assert ReturnRelease.objects.get().checksum == document["metadata"]["checksum"]
    said = capsys.readouterr().out
    assert said.startswith("Wrote the final return for Test Partnership, 2026: ")
    assert "audit passed. It is recorded in the release register." in said


def test_a_return_goes_to_standard_output_with_out_dash(
    known: Organisation, personas: Personas, capsys: pytest.CaptureFixture[str]
) -> None:
    build("--period", "2026-Q1", "--out", "-", "--as", personas.admin.username, "--draft")
    captured = capsys.readouterr()
    document = json.loads(captured.out)
    assert document["period"] == {"label": "2026-Q1", "start": "2026-01-01", "end": "2026-03-31"}
    assert document["metadata"]["final"] is False
    assert "Wrote the draft return" in captured.err
    assert not ReturnRelease.objects.exists()


def test_a_refused_audit_stops_the_command_unless_it_is_a_draft(
    known: Organisation, personas: Personas, tmp_path: Path
) -> None:
    known.disclosure_threshold, known.disclosure_rounding = 3, 1
    known.save()
    build("--period", "2026", "--out", str(tmp_path / "first.json"))
    late = make_person(personas.owner, personas.team, given_name="Late", family_name="Entry")
    conversation = record_conversation(
        personas.owner,
        late,
        framework=Framework.objects.get(slug="talking-points-service-users", version="1"),
        held_on=date(2026, 6, 1),
        kind="baseline",
        records=[OutcomeInput(outcome="feeling-safe", what_matters="Safe", agreed_level="met")],
    )
    agree_conversation(personas.owner, conversation)
    again = tmp_path / "again.json"
    with pytest.raises(CommandError) as refused:
        build("--period", "2026", "--out", str(again))
    message = str(refused.value)
    assert message.startswith("The return for Test Partnership, 2026, is not released")
    assert "differ from an earlier release of the same records" in message
    assert not again.exists() and ReturnRelease.objects.count() == 1
    build("--period", "2026", "--out", str(again), "--draft")
    draft = json.loads(again.read_text())
    assert draft["metadata"]["audit"]["passed"] is False and draft["metadata"]["final"] is False
    assert validate_return(draft) == []
    assert ReturnRelease.objects.count() == 1


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--period", "Q3 26"], "is not a period"),
        (["--period", "2026", "--organisation", "nowhere"], "No organisation with slug 'nowhere'"),
        (["--period", "2026", "--as", "nobody"], "No active user 'nobody'"),
    ],
)
def test_bad_options_are_refused_with_a_reason(
    known: Organisation, tmp_path: Path, args: list[str], says: str
) -> None:
    with pytest.raises(CommandError, match=says):
        build(*args, "--out", str(tmp_path / "r.json"))


def test_who_may_build_is_checked(known: Organisation, personas: Personas, tmp_path: Path) -> None:
    out = str(tmp_path / "r.json")
    with pytest.raises(CommandError, match="You do not build returns for any organisation"):
        build("--period", "2026", "--out", out, "--as", personas.owner.username)
    with pytest.raises(CommandError, match="built by its administrators and analysts"):
        build(
            "--period", "2026", "--out", out, "--as", personas.owner.username,
            "--organisation", known.slug,
        )  # fmt: skip
    with pytest.raises(CommandError, match="Only administrators of Test Partnership"):
        build("--period", "2026", "--out", out, "--as", personas.analyst.username)
    make_personas("Second Partnership")
    with pytest.raises(CommandError, match="Say which organisation with --organisation"):
        build("--period", "2026", "--out", out)
    assert not ReturnRelease.objects.exists()


def test_the_console_script_exits_with_status_1_and_the_reason(tmp_path: Path) -> None:
    from tests.test_cli import run_cli

    assert run_cli(tmp_path, "migrate", "-v0").returncode == 0
    nothing = run_cli(tmp_path, "build-return", "--period", "2026", "--out", "-")
    assert nothing.returncode == 1 and nothing.stdout == ""
    assert "You do not build returns for any organisation." in nothing.stderr
    wrong = run_cli(tmp_path, "build-return", "--period", "2026-Q5", "--out", "-")
    assert wrong.returncode == 1 and "'2026-Q5' is not a period" in wrong.stderr
