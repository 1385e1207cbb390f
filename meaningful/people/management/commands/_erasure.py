"""What the erasure commands share: finding a person, reading dates, deciding a request."""

from __future__ import annotations

import argparse
import json
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from meaningful.errors import InvalidInput, NotAllowed, NotFound
from meaningful.management_support import acting_user
from meaningful.people.erasure import decide_erasure_request, erasure_request_for
from meaningful.people.models import Person
from meaningful.people.retention import Retention


def person_by_id(value: str) -> Person:
    """The person with this id, or a CommandError that says so."""
    try:
        person = Person.objects.select_related("organisation").filter(pk=value).first()
    except (ValueError, ValidationError):  # not a UUID
        person = None
    if person is None:
        raise CommandError(f"No person {value!r}.")
    return person


def day(value: str) -> date:
    """Read a date written YYYY-MM-DD, for argparse."""
    try:
        return date.fromisoformat(value)
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"{value!r} is not a date written YYYY-MM-DD") from error


def retention_as_plain(retention: Retention, today: date) -> dict[str, Any]:
    return {
        "rule": retention.rule,
        "last_contact": retention.last_contact.isoformat(),
        "until": retention.until.isoformat() if retention.until else None,
        "applies": retention.applies(today),
        "explanation": retention.explanation,
    }


def message_of(error: Exception) -> str:
    """What a refused request or decision says, for the command line."""
    if isinstance(error, InvalidInput):
        return " ".join(error.errors.values())
    return str(error)


class DecisionCommand(BaseCommand):
    """erasure-approve and erasure-refuse: the same options, the opposite decision."""

    approve = True

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--request", type=int, required=True, help="the request's number")
        parser.add_argument("--reason", required=True, help="why; kept with the decision")
        parser.add_argument(
            "--as",
            dest="as_user",
            required=True,
            help="an administrator of the organisation, not the one who raised the request",
        )
        parser.add_argument("--json", action="store_true", help="print the result as JSON")

    def handle(self, *args: Any, **options: Any) -> None:
        actor = acting_user(options["as_user"])
        try:
            request = erasure_request_for(actor, options["request"])
            decided = decide_erasure_request(
                actor, request, approve=self.approve, reason=options["reason"]
            )
        except NotFound as error:
            raise CommandError(
                f"No erasure request {options['request']} that {actor.username} administers."
            ) from error
        except (InvalidInput, NotAllowed) as error:
            raise CommandError(message_of(error)) from error
        if options["json"]:
            result = {
                "request": decided.pk,
                "person": str(decided.person_id),
                "status": decided.status,
            }
            self.stdout.write(json.dumps(result))
        elif self.approve:
            self.stdout.write(
                f"Erasure request {decided.pk} approved: the record of person "
                f"{decided.person_id} is anonymised."
            )
        else:
            self.stdout.write(f"Erasure request {decided.pk} refused.")
