"""meaningful build-return: an organisation's aggregate return for the national body, as JSON."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from meaningful.accounts.models import Organisation, User
from meaningful.errors import NotAllowed
from meaningful.management_support import acting_user, organisation_option
from meaningful.reports.period import parse_period
from meaningful.returns.build import build_return
from meaningful.returns.services import ReturnRefused, can_preview_returns


class Command(BaseCommand):
    help = (
        "Build an organisation's aggregate return for a period (JSON), protected and audited "
        "with its earlier releases; a final return is recorded in the release register."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--period", required=True, help="2026, 2026-Q3 or 2025-04..2026-03")
        parser.add_argument("--out", required=True, help="file to write, or - for standard output")
        parser.add_argument(
            "--organisation", help="the organisation's slug (needed when you have several)"
        )
        parser.add_argument("--as", dest="as_user", help="username to act as (default: system)")
        parser.add_argument(
            "--draft",
            action="store_true",
            help="write the return marked as not final, whatever the audit found, and do not "
            "record it in the register",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        actor = acting_user(options["as_user"])
        try:
            period = parse_period(options["period"])
        except ValueError as error:
            raise CommandError(str(error)) from error
        organisation = organisation_option(options["organisation"]) or _only_organisation(actor)
        try:
            document = build_return(actor, organisation, period, final=not options["draft"])
        except NotAllowed as error:
            raise CommandError(str(error)) from error
        except ReturnRefused as refused:
            raise CommandError(
                f"The return for {organisation.name}, {period.label}, is not released: the "
                "disclosure audit found hidden counts that readers could work out.\n"
                f"{refused.refusal}\n"
                "Nothing was written or recorded. Look at it with --draft, or ask for a policy "
                "with a higher threshold."
            ) from refused
        text = json.dumps(document, indent=2, ensure_ascii=False) + "\n"
        audit = document["metadata"]["audit"]
        final = document["metadata"]["final"]
        summary = (
            f"Wrote the {'final' if final else 'draft'} return for {organisation.name}, "
            f"{period.label}: {audit['hidden']} counts hidden, audit "
            f"{'passed' if audit['passed'] else 'failed'}."
            + (" It is recorded in the release register." if final else "")
        )
        if options["out"] == "-":
            self.stdout.write(text, ending="")
            sys.stderr.write(summary + "\n")
        else:
            Path(options["out"]).write_text(text, encoding="utf-8")
            self.stdout.write(summary)


def _only_organisation(actor: User) -> Organisation:
    """Without --organisation: the one organisation the actor may build returns for."""
    mine = [o for o in Organisation.objects.all() if can_preview_returns(actor, o)]
    if len(mine) == 1:
        return mine[0]
    if not mine:
        raise CommandError("You do not build returns for any organisation.")
    slugs = ", ".join(o.slug for o in mine)
    raise CommandError(f"Say which organisation with --organisation (one of: {slugs}).")
