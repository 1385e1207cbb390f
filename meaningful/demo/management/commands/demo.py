"""meaningful demo: set up a realistic demo organisation once, then serve it."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser

from meaningful.accounts.models import Membership, Role, User
from meaningful.demo.generate import DemoSummary, build_demo, summarise
from meaningful.demo.organisation import (
    DEMO_ADMIN,
    DEMO_ORGANISATION,
    DEMO_PASSWORD,
    STAFF,
    DemoOrganisation,
)


def _existing_demo() -> DemoSummary | None:
    """The demo already in this database, found by its staff (it may have been given a name)."""
    membership = Membership.objects.filter(
        user__username=DEMO_ADMIN, role=Role.ORG_ADMIN, organisation__isnull=False
    ).first()
    if membership is None or membership.organisation is None:
        return None
    organisation = membership.organisation
    staff = {
        user.username: user for user in User.objects.filter(username__in=[s[0] for s in STAFF])
    }
    return summarise(DemoOrganisation(organisation=organisation, teams={}, staff=staff))


class Command(BaseCommand):
    help = "Create the demo organisation (first run only), print how to sign in, and serve it."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--people", type=int, default=300, help="people to create (default 300)"
        )
        parser.add_argument("--seed", type=int, default=2026, help="random seed (default 2026)")
        parser.add_argument(
            "--today",
            type=date.fromisoformat,
            default=None,
            help="date the demo treats as today, YYYY-MM-DD (default: today)",
        )
        parser.add_argument(
            "--organisation",
            default=DEMO_ORGANISATION,
            help="name of the demo organisation; give each demo database its own name to try "
            "combining returns from several organisations (default: %(default)s)",
        )
        parser.add_argument("--no-serve", action="store_true", help="set up, then exit")
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--json", action="store_true", help="print the summary as JSON")
        parser.add_argument(
            "--require-two-factor",
            action="store_true",
            help="ask the demo staff to set up an authenticator app when they sign in, as a real "
            "installation does (by default the demo server lets them sign in with the password)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["people"] < 10:
            raise CommandError("--people must be at least 10 for a meaningful demo.")
        call_command("migrate", verbosity=0)
        summary = _existing_demo()
        created = summary is None
        if summary is None:
            self.stderr.write(f"Creating the demo organisation with {options['people']} people...")
            summary = build_demo(
                people=options["people"],
                seed=options["seed"],
                today=options["today"],
                organisation=options["organisation"].strip() or DEMO_ORGANISATION,
            )
        elif summary.organisation != options["organisation"].strip() != DEMO_ORGANISATION:
            self.stderr.write(
                f"This database already holds the demo organisation {summary.organisation!r}; "
                "use a new database for another."
            )
        if options["json"]:
            self.stdout.write(json.dumps({**summary.__dict__, "created": created}))
        else:
            self._describe(summary, created, f"http://{options['host']}:{options['port']}/")
        if not options["no_serve"]:
            self._serve(options)

    def _serve(self, options: dict[str, Any]) -> None:
        """Serve the demo; two-factor sign-in is optional on it unless asked for."""
        settings.REQUIRE_TWO_FACTOR = options["require_two_factor"]
        if not options["require_two_factor"]:
            self.stdout.write(
                "\nTwo-factor sign-in is optional on this demo server: try it from the home "
                "page, or run with --require-two-factor to make every account set it up."
            )
        call_command("serve", host=options["host"], port=options["port"])

    def _describe(self, summary: DemoSummary, created: bool, url: str) -> None:
        verb = "Created" if created else "Using the existing"
        self.stdout.write(
            f"{verb} demo organisation: {summary.organisation}\n"
            f"  {summary.people} people ({summary.carers} unpaid carers), "
            f"{summary.conversations} conversations, {summary.outcome_records} outcome records\n\n"
            f"Sign in at {url} as any of these, password: {DEMO_PASSWORD}"
        )
        for username, roles in summary.staff:
            self.stdout.write(f"  {username:16} {roles}")
