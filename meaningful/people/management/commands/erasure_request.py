"""meaningful erasure-request: raise a person's request to erase their record, or list those waiting."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from meaningful.errors import InvalidInput, NotAllowed, NotFound
from meaningful.management_support import acting_user
from meaningful.people.erasure import administered_requests, raise_erasure_request
from meaningful.people.management.commands._erasure import (
    day,
    message_of,
    person_by_id,
    retention_as_plain,
)
from meaningful.people.models import ErasureStatus
from meaningful.people.retention import retention_of


class Command(BaseCommand):
    help = (
        "Raise a person's request to erase their record (another administrator decides it with "
        "erasure-approve or erasure-refuse), or --list the requests waiting."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        what = parser.add_mutually_exclusive_group(required=True)
        what.add_argument("--person", help="the person's id")
        what.add_argument("--list", action="store_true", help="list the requests waiting")
        parser.add_argument(
            "--asked-on", type=day, help="when the person asked, YYYY-MM-DD (default: today)"
        )
        parser.add_argument(
            "--what",
            default="",
            help="what the person asked for; no names or other details about them",
        )
        parser.add_argument(
            "--as",
            dest="as_user",
            required=True,
            help="an administrator of the person's organisation",
        )
        parser.add_argument("--json", action="store_true", help="print the result as JSON")

    def handle(self, *args: Any, **options: Any) -> None:
        actor = acting_user(options["as_user"])
        if options["list"]:
            self._list(actor, as_json=options["json"])
            return
        person = person_by_id(options["person"])
        try:
            request = raise_erasure_request(
                actor,
                person,
                asked_on=options["asked_on"] or timezone.localdate(),
                what_was_asked=options["what"],
            )
        except NotFound as error:
            raise CommandError(f"{error} ({actor.username})") from error
        except (InvalidInput, NotAllowed) as error:
            raise CommandError(message_of(error)) from error
        today = timezone.localdate()
        retention = retention_of(person)
        if options["json"]:
            result = {
                "request": request.pk,
                "person": str(person.pk),
                "status": request.status,
                "retention": retention_as_plain(retention, today),
            }
            self.stdout.write(json.dumps(result))
            return
        self.stdout.write(
            f"Erasure request {request.pk} raised. Another administrator of the organisation "
            f"decides it: meaningful erasure-approve --request {request.pk} --reason ... --as "
            "USERNAME (or erasure-refuse)."
        )
        if retention.applies(today):
            self.stdout.write(f"It cannot be approved yet. {retention.explanation}")

    def _list(self, actor: Any, *, as_json: bool) -> None:
        today = timezone.localdate()
        waiting = administered_requests(actor).filter(status=ErasureStatus.PENDING)
        rows = [(item, retention_of(item.person)) for item in waiting.order_by("requested_at")]
        if as_json:
            plain = [
                {
                    "request": item.pk,
                    "person": str(item.person_id),
                    "asked_on": item.asked_on.isoformat(),
                    "requested_by": item.requested_by.username,
                    "retention": retention_as_plain(retention, today),
                }
                for item, retention in rows
            ]
            self.stdout.write(json.dumps(plain))
            return
        if not rows:
            self.stdout.write("No erasure requests are waiting.")
        for item, retention in rows:
            if not retention.applies(today):
                state = "retention ended"
            elif retention.until is not None:
                state = f"under retention until {retention.until.isoformat()}"
            else:
                state = f"kept ({retention.rule})"
            self.stdout.write(
                f"{item.pk}  person {item.person_id}  asked {item.asked_on.isoformat()}  "
                f"raised by {item.requested_by.username}  {state}"
            )
