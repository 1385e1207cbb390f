"""meaningful export-records: outcome records as CSV or XLSX, identifiable or pseudonymised."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from meaningful.errors import NotAllowed
from meaningful.interop.tabular.export import (
    as_csv,
    as_xlsx,
    identifiable_extract,
    pseudonymised_extract,
)
from meaningful.management_support import acting_user


class Command(BaseCommand):
    help = "Export the outcome records you may see (CSV or XLSX); analysts get a pseudonymised extract."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--out", type=Path, required=True, help="file to write (.csv or .xlsx)")
        parser.add_argument("--format", choices=["csv", "xlsx"], help="default: from the file name")
        parser.add_argument(
            "--pseudonymised",
            action="store_true",
            help="keyed pseudonyms, age bands and postcode districts; no names",
        )
        parser.add_argument(
            "--with-narratives",
            action="store_true",
            help="add people's words to a pseudonymised extract, only where they consented",
        )
        parser.add_argument(
            "--as",
            dest="as_user",
            required=True,
            help="username to export as: the export holds what this user may see",
        )
        parser.add_argument("--json", action="store_true", help="print a summary as JSON")

    def handle(self, *args: Any, **options: Any) -> None:
        actor = acting_user(options["as_user"])
        out: Path = options["out"]
        kind = options["format"] or out.suffix.lower().lstrip(".")
        if kind not in {"csv", "xlsx"}:
            raise CommandError("Say --format csv or --format xlsx, or name the file .csv or .xlsx.")
        if options["with_narratives"] and not options["pseudonymised"]:
            raise CommandError(
                "--with-narratives goes with --pseudonymised (identifiable exports hold the words already)."
            )
        try:
            extract = (
                pseudonymised_extract(actor, with_narratives=options["with_narratives"])
                if options["pseudonymised"]
                else identifiable_extract(actor)
            )
        except NotAllowed as error:
            raise CommandError(str(error)) from error
        out.write_bytes(as_csv(extract) if kind == "csv" else as_xlsx(extract))
        summary = {"file": str(out), "rows": len(extract.rows), "columns": extract.columns}
        if options["json"]:
            self.stdout.write(json.dumps(summary))
        else:
            self.stdout.write(f"Wrote {len(extract.rows)} rows to {out}.")
