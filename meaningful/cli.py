"""The ``meaningful`` command: Django's manage.py with our settings and hyphenated command names."""

from __future__ import annotations

import os
import select
import sys

# Django's own commands that are useful to run a Meaningful installation.
DJANGO_COMMANDS = (
    "changepassword",
    "check",
    "collectstatic",
    "createsuperuser",
    "migrate",
    "shell",
    "showmigrations",
)


def _our_commands() -> dict[str, str]:
    """Map each hyphenated command name to Django's name for it."""
    import django
    from django.core.management import get_commands

    django.setup()
    names = {
        name: name
        for name, app in get_commands().items()
        if app.startswith("meaningful.") or name in DJANGO_COMMANDS
    }
    return {name.replace("_", "-"): name for name in names}


def _help_text(commands: dict[str, str]) -> str:
    from django.core.management import get_commands, load_command_class

    apps = get_commands()
    lines = [
        "Usage: meaningful COMMAND [options]   (meaningful COMMAND --help for its options)",
        "",
        "Commands:",
    ]
    width = max(len(name) for name in commands)
    for public in sorted(commands):
        django_name = commands[public]
        summary = str(load_command_class(apps[django_name], django_name).help).split("\n")[0]
        lines.append(f"  {public.ljust(width)}  {summary}")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> None:
    """Run one command; unknown commands exit with status 2 and the list of known ones.

    When whoever reads the output stops reading (`meaningful export-audit | head`), the command
    ends quietly with status 1. Only the standard output is given up: the process keeps
    Python's own handling of broken pipes, so a server that loses a client's connection part-way
    through a response carries on, as it must (restoring the default SIGPIPE action would end
    the whole server).
    """
    try:
        _run(list(sys.argv if argv is None else argv))
    except BrokenPipeError:
        if not _output_gone():
            raise  # another pipe broke: a real error, not a reader that stopped
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())  # nothing more to write when Python exits
        raise SystemExit(1) from None


def _output_gone() -> bool:
    """True when the standard output is a pipe whose reader has gone (the system reports an
    error condition on the pipe's writing end)."""
    try:
        poller = select.poll()
        poller.register(sys.stdout.fileno(), select.POLLOUT)
        return any(events & select.POLLERR for _, events in poller.poll(0))
    except (OSError, ValueError):  # no descriptor to ask about
        return False


def _run(args: list[str]) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "meaningful.settings")
    commands = _our_commands()
    if len(args) < 2 or args[1] in {"-h", "--help", "help"}:
        sys.stdout.write(_help_text(commands))
        return
    name = args[1]
    if name not in commands and name.replace("_", "-") in commands:
        name = name.replace("_", "-")
    if name not in commands:
        sys.stderr.write(f"meaningful: unknown command {name!r}.\n\n" + _help_text(commands))
        raise SystemExit(2)
    from django.core.management import execute_from_command_line

    from meaningful.audit.context import Origin, current_origin

    current_origin.set(Origin(channel="cli"))
    execute_from_command_line(["meaningful", commands[name], *args[2:]])


if __name__ == "__main__":
    main()
