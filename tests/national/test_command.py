"""meaningful combine-returns: formats, exit codes and the audit trail."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from meaningful.audit.models import AuditEvent
from meaningful.cli import main
from tests.national.returns import OUTCOMES, make_return, many, random_ratings

pytestmark = pytest.mark.django_db
CODES = [code for code, _ in OUTCOMES]


def write(folder: Path, document: dict[str, Any], name: str | None = None) -> Path:
    path = folder / (name or f"{document['organisation']['code']}.json")
    path.write_text(json.dumps(document))
    return path


@pytest.fixture(autouse=True)
def keep_the_connection(monkeypatch: pytest.MonkeyPatch) -> None:
    """A command closes every connection when it ends; the test's transaction must outlive it."""
    from django.db import connections

    monkeypatch.setattr(connections, "close_all", lambda: None)


@pytest.fixture
def returns(tmp_path: Path) -> list[Path]:
    return [
        write(tmp_path, make_return(code, random_ratings(seed, 120, CODES)))
        for code, seed in (("north", 5), ("south", 6), ("east", 7))
    ]


def run(*args: object) -> int:
    try:
        main(["meaningful", "combine-returns", *map(str, args)])
    except SystemExit as stop:
        return int(stop.code or 0)
    return 0


@pytest.mark.parametrize("kind", ["json", "csv", "xlsx", "pdf", "html"])
def test_it_writes_the_national_tables_in_every_format(
    returns: list[Path], tmp_path: Path, kind: str, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / f"national.{kind}"
    assert run(*returns, "--out", out) == 0
    assert "the audit passed" in capsys.readouterr().out
    content = out.read_bytes()
    if kind == "json":
        data = json.loads(content)
        assert data["audit"]["passed"] and len(data["organisations"]) == 3
        assert "national_outcomes" in {table["section"] for table in data["tables"]}
    elif kind == "csv":
        text = content.decode("utf-8-sig")
        assert "table,figures_for,outcome,level,sex,value" in text
        assert "All organisations" in text and "north" in text
    elif kind == "xlsx":
        import io

        book = load_workbook(io.BytesIO(content))
        assert book.sheetnames[0] == "about" and len(book.sheetnames) > 5
    elif kind == "pdf":
        assert content.startswith(b"%PDF")
    else:
        assert b"Personal outcomes across 3 organisations, 2026" in content
    event = AuditEvent.objects.get(action="national.combine")
    assert event.actor_username == "system" and event.detail["passed"] is True
    assert event.detail["returns"] and "tables" not in event.detail


def test_a_refused_return_exits_1_naming_the_file_and_writes_nothing(
    returns: list[Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = json.loads(returns[1].read_text())
    broken["tables"][0]["cells"][0]["count"] = -1
    write(tmp_path, broken, "south.json")
    out = tmp_path / "national.json"
    assert run(*returns, "--out", out) == 1
    error = capsys.readouterr().err
    assert "south.json: tables[0].cells[0].count: -1 is less than the minimum of 0" in error
    assert not out.exists()
    assert AuditEvent.objects.filter(action="national.report-refused").exists()


def test_malformed_json_exits_1(
    returns: list[Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "bad.json").write_text('{"format": ')
    assert run(returns[0], tmp_path / "bad.json", "--out", tmp_path / "n.json") == 1
    assert "bad.json: the file is not valid JSON" in capsys.readouterr().err


def test_a_release_that_fails_the_audit_exits_3(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two organisations each hide 7; rounding alone, with no hiding beyond the small counts,
    lets a national 14 give them away."""
    import meaningful.national.management.commands.combine_returns as command
    import meaningful.national.protection as protection
    from meaningful.disclosure.policy import NHS_STYLE

    monkeypatch.setattr(protection, "MAX_HIDING_ROUNDS", 0)
    monkeypatch.setattr(command, "national_policy", lambda *args: NHS_STYLE)
    ratings = (
        many(7, outcome="feeling-safe", latest="met", sex="female")
        + many(40, outcome="feeling-safe", latest="partly-met", sex="female")
        + many(35, outcome="seeing-people", latest="met", sex="male")
    )
    files = [
        write(tmp_path, make_return(code, copy.deepcopy(ratings))) for code in ("north", "south")
    ]
    out = tmp_path / "national.json"
    assert run(*files, "--out", out) == 3
    error = capsys.readouterr().err
    assert "fail the audit; nothing was written" in error
    assert "cell north, feeling-safe, met, female" in error
    assert not out.exists()


def test_the_policy_can_be_chosen_on_the_command_line(
    returns: list[Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "national.json"
    assert run(*returns, "--out", out, "--policy", "suppression", "--threshold", "5", "--json") == 0
    summary = json.loads(capsys.readouterr().out)
    data = json.loads(out.read_bytes())
    assert data["policy"]["method"] == "suppression" and data["policy"]["rounding_base"] == 1
    assert summary["audit"]["passed"] and summary["organisations"] == ["east", "north", "south"]


def test_only_national_analysts_may_combine(
    returns: list[Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from meaningful.demo.factories import make_personas

    personas = make_personas()
    assert run(*returns, "--out", tmp_path / "n.json", "--as", personas.analyst.username) == 1
    assert "is not a national analyst" in capsys.readouterr().err


def test_stored_returns_are_combined_and_kept_for_the_report_page(
    returns: list[Path], tmp_path: Path
) -> None:
    from meaningful.accounts.services import system_account
    from meaningful.national.models import NationalReport
    from meaningful.national.services import store_returns

    stored = store_returns(system_account(), [(p.name, p.read_bytes()) for p in returns])
    assert len(stored.stored) == 3
    out = tmp_path / "national.pdf"
    assert run("--stored", "2026", "--out", out) == 0
    assert out.read_bytes().startswith(b"%PDF")
    report = NationalReport.objects.get()
    assert report.passed and report.release["period"]["label"] == "2026"
    assert run("--stored", "2031", "--out", out) == 1
    assert run(*returns, "--stored", "2026", "--out", out) == 1
