"""meaningful legal-hold: keep a person's record whatever its retention period, or lift the hold."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from meaningful.errors import InvalidInput, NotFound
from meaningful.management_support import acting_user
from meaningful.people.erasure import lift_legal_hold, place_legal_hold
from meaningful.people.management.commands._erasure import message_of, person_by_id


class Command(BaseCommand):
    help = (
        "Place a legal hold on a person's record (it is then neither erased nor anonymised by "
        "apply-retention), or --lift it."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--person", required=True, help="the person's id")
        parser.add_argument(
            "--reason",
            required=True,
            help="why, e.g. a case reference; no names or other details about the person",
        )
        parser.add_argument("--lift", action="store_true", help="lift the hold instead")
        parser.add_argument(
            "--as",
            dest="as_user",
            help="an administrator of the person's organisation (default: system)",
        )
        parser.add_argument("--json", action="store_true", help="print the result as JSON")

    def handle(self, *args: Any, **options: Any) -> None:
        actor = acting_user(options["as_user"])
        person = person_by_id(options["person"])
        change = lift_legal_hold if options["lift"] else place_legal_hold
        try:
            change(actor, person, options["reason"])
        except NotFound as error:
            raise CommandError(
                f"No person {options['person']!r} that {actor.username} administers."
            ) from error
        except InvalidInput as error:
            raise CommandError(message_of(error)) from error
        if options["json"]:
            self.stdout.write(json.dumps({"person": str(person.pk), "held": person.on_legal_hold}))
        elif person.on_legal_hold:
            self.stdout.write(f"A legal hold is on the record of person {person.pk}.")
        else:
            self.stdout.write(f"The legal hold on the record of person {person.pk} is lifted.")
