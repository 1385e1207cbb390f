"""meaningful verify-audit: check that no audit event was altered, removed or inserted."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from meaningful.audit.models import AuditEvent
from meaningful.audit.services import verify_chain


class Command(BaseCommand):
    help = "Check the audit trail's hash chain and name the first broken link."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--json", action="store_true", help="print the result as JSON")

    def handle(self, *args: Any, **options: Any) -> None:
        broken = verify_chain()
        count = AuditEvent.objects.count()
        if options["json"]:
            self.stdout.write(json.dumps({"events": count, "first_broken_event": broken}))
        if broken is not None:
            raise CommandError(
                f"The audit chain is broken at event {broken}: it, or the event before it, was "
                "altered, removed or inserted. Keep the database as it is and tell your Caldicott "
                "guardian or information governance lead."
            )
        if not options["json"]:
            self.stdout.write(f"The audit chain holds: {count} events checked.")
