"""meaningful combine-returns: national tables from organisations' returns, protected and audited."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from meaningful.accounts.models import User
from meaningful.audit.services import record_event
from meaningful.disclosure.policy import Policy
from meaningful.errors import NotFound
from meaningful.management_support import acting_user
from meaningful.national.combine import ReturnsRefused, combine
from meaningful.national.format import UnreadableReturn, parse_return
from meaningful.national.output import release_json
from meaningful.national.reading import SubmittedReturn
from meaningful.national.render import FORMATS, render
from meaningful.national.services import (
    build_detail,
    is_national_analyst,
    national_policy,
    rebuild_national_report,
)

REFUSED_RETURNS = 1
REFUSED_BY_AUDIT = 3


class Command(BaseCommand):
    help = "Combine organisations' returns into national tables, protected and audited."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.epilog = (
            "Exits with 1 when a return is refused (unreadable, malformed, tampered, a duplicate "
            "or for another period) and with 3 when the national tables fail the audit; "
            "nothing is written then."
        )
        parser.add_argument("files", nargs="*", type=Path, metavar="FILE", help="returns (.json)")
        parser.add_argument(
            "--stored",
            metavar="PERIOD",
            help="combine the returns uploaded for this period instead of files, and keep the "
            "report for the national report page",
        )
        parser.add_argument("--out", type=Path, required=True, help="where to write the release")
        parser.add_argument(
            "--format", choices=sorted(FORMATS), help="default: from --out's extension, else json"
        )
        parser.add_argument(
            "--policy",
            choices=["rounding", "suppression"],
            help="protection method (default: MEANINGFUL_NATIONAL_METHOD, rounding)",
        )
        parser.add_argument(
            "--threshold", type=int, help="hide counts from 1 to one below this (default 8)"
        )
        parser.add_argument("--rounding-base", type=int, help="round the rest to this (default 5)")
        parser.add_argument(
            "--exact-audit",
            action="store_true",
            help="the attacker also uses whole numbers (integer programs; slower)",
        )
        parser.add_argument("--as", dest="as_user", help="username to act as (default: system)")
        parser.add_argument("--json", action="store_true", help="print a summary as JSON")

    def handle(self, *args: Any, **options: Any) -> None:
        actor = acting_user(options["as_user"])
        if not (actor.is_system or is_national_analyst(actor)):
            raise CommandError(f"{actor.username} is not a national analyst.")
        kind = options["format"] or _format_of(options["out"])
        try:
            policy = national_policy(
                options["policy"], options["threshold"], options["rounding_base"]
            )
        except ValueError as error:
            raise CommandError(str(error)) from error
        if bool(options["files"]) == bool(options["stored"]):
            raise CommandError("Give either the returns' files or --stored PERIOD.")
        try:
            data = (
                self._stored(actor, options["stored"], policy, options["exact_audit"])
                if options["stored"]
                else self._combined(actor, _read(options["files"]), policy, options["exact_audit"])
            )
        except ReturnsRefused as error:
            raise CommandError(
                "These returns cannot be combined:\n" + str(error), returncode=REFUSED_RETURNS
            ) from error
        if not data["audit"]["passed"]:
            raise CommandError(
                "The national tables fail the audit; nothing was written:\n"
                + "\n".join(data["audit"]["problems"]),
                returncode=REFUSED_BY_AUDIT,
            )
        content = render(data, kind)
        options["out"].write_bytes(content)
        self._report(data, options, kind, len(content))

    def _combined(
        self, actor: User, submitted: list[SubmittedReturn], policy: Policy, exact: bool
    ) -> dict[str, Any]:
        try:
            release = combine(submitted, policy, whole_numbers=exact)
        except ReturnsRefused as error:
            record_event(
                actor,
                "national.report-refused",
                detail={"files": [s.name for s in submitted], "problems": error.problems[:20]},
            )
            raise
        data = release_json(release)
        record_event(actor, "national.combine", detail=build_detail(data))
        return data

    def _stored(self, actor: User, period: str, policy: Policy, exact: bool) -> dict[str, Any]:
        try:
            report = rebuild_national_report(actor, period, policy, whole_numbers=exact)
        except NotFound as error:
            raise CommandError(str(error)) from error
        data: dict[str, Any] = report.release
        return data

    def _report(self, data: dict[str, Any], options: dict[str, Any], kind: str, size: int) -> None:
        audit = data["audit"]
        summary = {
            "out": str(options["out"]),
            "format": kind,
            "period": data["period"]["label"],
            "organisations": [o["code"] for o in data["organisations"]],
            "frameworks": [f["key"] for f in data["frameworks"]],
            "tables": len(data["tables"]),
            "audit": {k: v for k, v in audit.items() if k != "problems"},
            "seconds": data["seconds"],
            "warnings": data["warnings"],
            "bytes": size,
        }
        if options["json"]:
            self.stdout.write(json.dumps(summary, indent=2))
            return
        self.stdout.write(
            f"Wrote the national tables for {summary['period']} from "
            f"{len(summary['organisations'])} returns to {options['out']}: the audit passed "
            f"({audit['checked']} hidden counts checked, {audit['hidden']} national figures "
            f"hidden, {audit['withheld']} withheld)."
        )
        for line in [*data["notes"], *data["warnings"]]:
            self.stdout.write(f"  {line}")


def _format_of(out: Path) -> str:
    suffix = out.suffix.lower().lstrip(".")
    return suffix if suffix in FORMATS else "json"


def _read(files: list[Path]) -> list[SubmittedReturn]:
    """Every file as a return; if any cannot be read, refuse them all, naming each."""
    submitted, problems = [], []
    for path in files:
        try:
            submitted.append(SubmittedReturn(path.name, parse_return(path.read_bytes())))
        except OSError as error:
            problems.append(f"{path}: cannot be read ({error.strerror}).")
        except UnreadableReturn as error:
            problems.append(f"{path.name}: {error}")
    if problems:
        raise CommandError(
            "These returns cannot be combined:\n" + "\n".join(problems),
            returncode=REFUSED_RETURNS,
        )
    return submitted
