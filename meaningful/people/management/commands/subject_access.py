"""meaningful subject-access: everything held about a person, as a zip, for a subject access request."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from meaningful.errors import NotFound
from meaningful.management_support import acting_user
from meaningful.people.subject_access import subject_access_pack


class Command(BaseCommand):
    help = "Write everything held about a person (readable record, FHIR Bundle, CSVs) to a zip."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--person", required=True, help="the person's id")
        parser.add_argument("--out", type=Path, required=True, help="the .zip file to write")
        parser.add_argument(
            "--as",
            dest="as_user",
            help="an administrator of the person's organisation (default: system)",
        )
        parser.add_argument("--json", action="store_true", help="print a summary as JSON")

    def handle(self, *args: Any, **options: Any) -> None:
        actor = acting_user(options["as_user"])
        try:
            person, pack = subject_access_pack(actor, options["person"])
        except NotFound as error:
            raise CommandError(
                f"No person {options['person']!r} that {actor.username} administers."
            ) from error
        options["out"].write_bytes(pack)
        summary = {"out": str(options["out"]), "bytes": len(pack), "person": str(person.pk)}
        if options["json"]:
            self.stdout.write(json.dumps(summary))
        else:
            self.stdout.write(
                f"Wrote everything held about {person.given_name} {person.family_name} to "
                f"{options['out']}. Check the entries listed in check_before_release.csv before release."
            )
