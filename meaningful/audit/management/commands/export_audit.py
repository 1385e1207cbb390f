"""meaningful export-audit: the audit trail as CSV or as FHIR AuditEvent NDJSON."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from meaningful.audit.reading import EventFilter, as_csv, as_ndjson, read_events
from meaningful.errors import NotAllowed
from meaningful.management_support import acting_user, day_option


class Command(BaseCommand):
    help = "Export the audit trail you may read, as CSV or FHIR AuditEvent (NDJSON)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--out", type=Path, required=True, help="file to write")
        parser.add_argument("--format", choices=["csv", "fhir"], default="csv")
        parser.add_argument("--since", help="first day, YYYY-MM-DD")
        parser.add_argument("--until", help="last day, YYYY-MM-DD")
        parser.add_argument(
            "--action", default="", help="an action (person.read), or its first part (person)"
        )
        parser.add_argument(
            "--person", default="", help="a record id, or a CHI, NHS or local number"
        )
        parser.add_argument(
            "--staff", default="", help="a username, or part of a member of staff's name"
        )
        parser.add_argument("--as", dest="as_user", help="an auditor's username (default: system)")
        parser.add_argument("--json", action="store_true", help="print a summary as JSON")

    def handle(self, *args: Any, **options: Any) -> None:
        actor = acting_user(options["as_user"])
        chosen = EventFilter(
            since=day_option(options["since"]) if options["since"] else None,
            until=day_option(options["until"]) if options["until"] else None,
            action=options["action"].strip(),
            person=options["person"].strip(),
            username=options["staff"].strip(),
        )
        try:
            events = read_events(actor, chosen, purpose=options["format"])
        except NotAllowed as error:
            raise CommandError(str(error)) from error
        rows = (
            as_csv(events.iterator())
            if options["format"] == "csv"
            else as_ndjson(events.iterator())
        )
        count = 0
        with options["out"].open("w", encoding="utf-8", newline="") as out:
            for line in rows:
                out.write(line)
                count += 1
        events_written = count - 1 if options["format"] == "csv" else count
        summary = {
            "out": str(options["out"]),
            "events": events_written,
            "format": options["format"],
        }
        if options["json"]:
            self.stdout.write(json.dumps(summary))
        else:
            self.stdout.write(f"Wrote {events_written} audit events to {options['out']}.")
