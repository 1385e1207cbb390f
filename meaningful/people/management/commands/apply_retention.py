"""meaningful apply-retention: anonymise the records whose retention period has ended."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from meaningful.accounts.models import Role
from meaningful.management_support import acting_user
from meaningful.people.retention import RetentionRun, apply_retention

RULES = {
    "on-caseload": "still on a caseload",
    "after-last-contact": "within the period after the last contact",
    "child": "kept until a person who was a child reaches the age set",
    "legal-hold": "under a legal hold",
}


class Command(BaseCommand):
    help = (
        "Anonymise every record whose retention period has ended and that has no legal hold; "
        "--dry-run says what would be anonymised and changes nothing. Run it daily."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--dry-run", action="store_true", help="say what would be anonymised; change nothing"
        )
        parser.add_argument(
            "--as",
            dest="as_user",
            help="an organisation administrator, for their organisation only "
            "(default: system, every organisation)",
        )
        parser.add_argument("--json", action="store_true", help="print what was done as JSON")

    def handle(self, *args: Any, **options: Any) -> None:
        actor = acting_user(options["as_user"])
        if not actor.is_system and not actor.memberships.filter(role=Role.ORG_ADMIN).exists():
            raise CommandError(f"{actor.username} administers no organisation.")
        run = apply_retention(actor, dry_run=options["dry_run"])
        if options["json"]:
            self.stdout.write(json.dumps(run.as_plain(), indent=2))
        else:
            self._describe(run)

    def _describe(self, run: RetentionRun) -> None:
        done = (
            f"{len(run.expired)} would be anonymised (dry run: nothing changed)"
            if run.dry_run
            else f"{len(run.expired)} anonymised"
        )
        self.stdout.write(f"Checked {run.checked} records on {run.on.isoformat()}: {done}.")
        for rule, count in sorted(run.kept.items()):
            self.stdout.write(f"  kept, {RULES.get(rule, rule)}: {count}")
        for item in run.expired:
            self.stdout.write(
                f"  person {item.person} ({item.organisation}): retention ended "
                f"{item.retention_ended.isoformat()}"
            )
