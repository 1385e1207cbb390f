"""meaningful backup: copy the whole database to a file (SQLite or PostgreSQL)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from meaningful.backup import BackupError, backup
from meaningful.management_support import acting_user


class Command(BaseCommand):
    help = "Back up the whole database to a new file; the backup is recorded in the audit trail."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--out", type=Path, required=True, help="a new file to write")
        parser.add_argument("--as", dest="as_user", help="username to act as (default: system)")
        parser.add_argument("--json", action="store_true", help="print what was written as JSON")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            written = backup(acting_user(options["as_user"]), options["out"])
        except BackupError as error:
            raise CommandError(str(error)) from error
        if options["json"]:
            self.stdout.write(json.dumps(written, indent=2))
        else:
            self.stdout.write(
                f"Wrote a {written['engine']} backup to {written['file']} "
                f"({written['bytes']} bytes, sha256 {written['sha256']}). Keep it encrypted and safe."
            )
