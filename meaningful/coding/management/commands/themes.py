"""meaningful themes: what a team or an organisation said is (not) working, grouped by meaning."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from meaningful.accounts.models import Team
from meaningful.coding.themes import FIELDS, ThemeReport, ThemeRequest, narrative_themes
from meaningful.errors import NotAllowed, NotFound
from meaningful.management_support import acting_user, day_option, organisation_option


def as_json(report: ThemeReport) -> dict[str, Any]:
    """The report as it is printed by --json: the same figures and excerpts as the page."""
    return {
        "scope": report.scope,
        "from": report.start.isoformat(),
        "to": report.end.isoformat(),
        "field": report.field,
        "threshold": report.threshold,
        "people": report.people,
        "smaller_themes_not_shown": report.smaller,
        "themes": [theme.as_dict() for theme in report.themes],
    }


class Command(BaseCommand):
    help = (
        "Group what people said is not working (or working) across a team or the whole "
        "organisation into themes, with people counts and anonymised excerpts from people who "
        "agreed to share them; themes of fewer people than the disclosure threshold are not shown."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--organisation", required=True, help="the organisation's slug")
        parser.add_argument("--team", help="a team's name (default: the whole organisation)")
        parser.add_argument(
            "--from", dest="start", required=True, help="first day of conversations, YYYY-MM-DD"
        )
        parser.add_argument(
            "--to", dest="end", required=True, help="last day of conversations, YYYY-MM-DD"
        )
        parser.add_argument("--field", choices=sorted(FIELDS), default="not_working")
        parser.add_argument("--json", action="store_true", help="print the themes as JSON")
        parser.add_argument("--as", dest="as_user", required=True, help="username to act as")

    def handle(self, *args: Any, **options: Any) -> None:
        organisation = organisation_option(options["organisation"])
        if organisation is None:
            raise CommandError("Give the organisation's slug: --organisation SLUG.")
        start, end = day_option(options["start"]), day_option(options["end"])
        if end < start:
            raise CommandError("--to must be the same day as --from or later.")
        team = None
        if options["team"]:
            team = Team.objects.filter(
                service__organisation=organisation, name=options["team"]
            ).first()
            if team is None:
                raise CommandError(f"No team named {options['team']!r} in {organisation.slug}.")
        actor = acting_user(options["as_user"])
        request = ThemeRequest(organisation, team, start, end, options["field"])
        try:
            report = narrative_themes(actor, request)
        except (NotAllowed, NotFound) as problem:
            raise CommandError(str(problem)) from problem
        if options["json"]:
            self.stdout.write(json.dumps(as_json(report), indent=2))
            return
        self._print(report)

    def _print(self, report: ThemeReport) -> None:
        what = FIELDS[report.field].lower()
        self.stdout.write(f"Themes in {what}, {report.scope}, {report.start} to {report.end}")
        if report.people is None:
            self.stdout.write(f"Fewer than {report.threshold} people wrote about this.")
        else:
            self.stdout.write(f"From the words of {report.people} people.")
        for theme in report.themes:
            self.stdout.write(f"\n{theme.number}. {theme.label} ({theme.people} people)")
            self.stdout.write(f"   Nearest outcome: {theme.outcome}")
            for excerpt in theme.excerpts:
                self.stdout.write(f'   "{excerpt}"')
        if report.smaller:
            self.stdout.write(
                f"\n{report.smaller} smaller themes not shown: fewer than "
                f"{report.threshold} people each."
            )
