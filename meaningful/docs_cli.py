"""Generate docs/cli.md from the real --help of every command (run: python -m meaningful.docs_cli)."""

from __future__ import annotations

import io
import os
from contextlib import redirect_stdout
from pathlib import Path

INTRO = """# Command-line reference

Every command runs as `meaningful COMMAND` (or `.venv/bin/meaningful COMMAND` in a checkout).
Commands that change data act as `--as USERNAME` where they offer it, or as the
installation's system account, which the audit trail names as such. This page is generated
from each command's own `--help`; a test fails when it falls out of date.
"""


def command_help(public_name: str, django_name: str) -> str:
    """Return the --help text of one command as the console script prints it."""
    from django.core.management import get_commands, load_command_class

    command = load_command_class(get_commands()[django_name], django_name)
    parser = command.create_parser("meaningful", django_name)
    parser.prog = f"meaningful {public_name}"
    buffer = io.StringIO()
    with redirect_stdout(buffer):
        parser.print_help()
    return buffer.getvalue().rstrip()


def render_cli_reference() -> str:
    """Return the whole CLI reference page."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "meaningful.settings")
    os.environ["COLUMNS"] = "100"  # argparse wraps help to the terminal; fix it for a stable page
    from meaningful.cli import _our_commands

    commands = _our_commands()
    sections = [INTRO]
    for public in sorted(commands):
        sections.append(
            f"## `meaningful {public}`\n\n```\n{command_help(public, commands[public])}\n```\n"
        )
    return "\n".join(sections)


if __name__ == "__main__":
    target = Path(__file__).resolve().parent.parent / "docs" / "cli.md"
    target.write_text(render_cli_reference())
