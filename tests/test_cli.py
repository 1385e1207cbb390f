from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from meaningful.cli import main

DOCS = Path(__file__).resolve().parent.parent / "docs" / "cli.md"
OUR_COMMANDS = {
    "demo",
    "serve",
    "seed-scale",
    "load-frameworks",
    "list-frameworks",
    "verify-audit",
    "import-records",
    "code-notes",
    "combine-returns",
    "build-return",
    "code-suggestions",
    "retrain-coder",
    "themes",
}


def listed_commands(capsys: pytest.CaptureFixture[str]) -> set[str]:
    main(["meaningful", "--help"])
    out = capsys.readouterr().out
    return set(re.findall(r"^  ([a-z][a-z-]+)  ", out, flags=re.MULTILINE))


def test_help_lists_our_hyphenated_commands(capsys: pytest.CaptureFixture[str]) -> None:
    listed = listed_commands(capsys)
    assert listed >= OUR_COMMANDS
    assert "runserver" not in listed and "flush" not in listed


def test_an_unknown_command_exits_2_and_lists_the_known_ones(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["meaningful", "frobnicate"])
    assert exit_info.value.code == 2
    assert "unknown command 'frobnicate'" in capsys.readouterr().err


def test_every_listed_command_is_documented_in_the_cli_reference(
    capsys: pytest.CaptureFixture[str],
) -> None:
    documented = set(
        re.findall(r"^## `meaningful ([a-z-]+)`", DOCS.read_text(), flags=re.MULTILINE)
    )
    assert documented == listed_commands(capsys)


def test_the_cli_reference_is_up_to_date_with_the_real_help() -> None:
    from meaningful.docs_cli import render_cli_reference

    assert DOCS.read_text() == render_cli_reference(), (
        "run: .venv/bin/python -m meaningful.docs_cli"
    )


def run_cli(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        "DATABASE_URL": f"sqlite:///{tmp_path}/cli.sqlite3",
        "MEANINGFUL_DATA_DIR": str(tmp_path),
        "PATH": "/usr/bin:/bin",
    }
    return subprocess.run(  # noqa: S603 - a fixed command line
        [sys.executable, "-m", "meaningful", *args],
        capture_output=True,
        text=True,
        check=False,
        env=env,
    )


def test_the_console_script_refuses_an_unmigrated_database_then_works(tmp_path: Path) -> None:
    # A fresh database without migrations has no tables: the command must fail, not pass silently.
    assert run_cli(tmp_path, "list-frameworks", "--json").returncode != 0
    migrate = run_cli(tmp_path, "migrate", "-v0")
    assert migrate.returncode == 0, migrate.stderr
    listing = run_cli(tmp_path, "list-frameworks", "--json")
    assert listing.returncode == 0, listing.stderr
    assert '"talking-points-service-users"' in listing.stdout


def test_running_a_command_leaves_the_processs_broken_pipe_handling_alone(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # With the default SIGPIPE action, a server ends when a client drops its connection
    # part-way through a response; `serve` and `demo` run through main too.
    import signal

    before = signal.getsignal(signal.SIGPIPE)
    main(["meaningful", "--help"])
    assert signal.getsignal(signal.SIGPIPE) == before == signal.SIG_IGN


def test_a_reader_that_stops_reading_ends_the_command_quietly() -> None:
    script = (
        "import sys, meaningful.cli as cli\n"
        "cli._run = lambda args: [print('line ' * 20) for _ in range(20000)]\n"
        "cli.main(['meaningful', 'anything'])\n"
    )
    writer = subprocess.Popen(  # noqa: S603 - a fixed command line
        [sys.executable, "-c", script], stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    assert writer.stdout is not None and writer.stderr is not None
    writer.stdout.read(100)
    writer.stdout.close()  # the reader goes away, as `| head` does
    errors = writer.stderr.read().decode()
    assert writer.wait(timeout=60) == 1
    assert "Traceback" not in errors and "BrokenPipeError" not in errors


def test_a_broken_pipe_elsewhere_is_still_an_error(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(args: list[str]) -> None:
        raise BrokenPipeError("a socket to another system")

    monkeypatch.setattr("meaningful.cli._run", broken)
    with pytest.raises(BrokenPipeError, match="another system"):
        main(["meaningful", "anything"])
