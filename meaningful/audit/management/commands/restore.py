"""meaningful restore: replace the whole database with a backup, then check its audit trail."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from meaningful.backup import BackupError, restore


class Command(BaseCommand):
    help = "Replace the whole database with a backup made by `meaningful backup`; stop the service first."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="the backup file")
        parser.add_argument(
            "--yes",
            action="store_true",
            help="confirm that everything now in the database is replaced",
        )
        parser.add_argument("--as", dest="as_user", help="username to act as (default: system)")
        parser.add_argument("--json", action="store_true", help="print the result as JSON")

    def handle(self, *args: Any, **options: Any) -> None:
        if not options["yes"]:
            raise CommandError(
                "A restore replaces everything in the database with the backup. Stop the service, "
                "take a backup of the current state, then run again with --yes."
            )
        try:
            result = restore(options["as_user"] or settings.SYSTEM_USERNAME, options["file"])
        except BackupError as error:
            raise CommandError(str(error)) from error
        if options["json"]:
            self.stdout.write(json.dumps(result, indent=2))
        else:
            self.stdout.write(
                f"Restored {result['file']}; the audit trail holds and records the restore."
            )
