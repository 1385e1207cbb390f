"""meaningful import-codebook: add a REFI-QDA codebook's codes to an organisation's themes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from meaningful.coding.exchange.importing import check_importer, import_codebook
from meaningful.coding.exchange.upload import MAX_UPLOAD_BYTES, read_codebook_file
from meaningful.errors import InvalidInput, NotAllowed
from meaningful.management_support import acting_user, organisation_option


class Command(BaseCommand):
    help = (
        "Add the codes of a REFI-QDA codebook (.qdc, or the codebook inside a .qdpx project) "
        "to an organisation's codebook as themes, nested as in the file; codes whose names are "
        "already in the codebook are reported, not added again. All or nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="the .qdc or .qdpx file")
        parser.add_argument("--organisation", required=True, help="the organisation's slug")
        parser.add_argument(
            "--as",
            dest="as_user",
            required=True,
            help="username of an analyst or administrator of the organisation",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="report what would be added; change nothing"
        )
        parser.add_argument("--json", action="store_true", help="print the outcome as JSON")

    def handle(self, *args: Any, **options: Any) -> None:
        organisation = organisation_option(options["organisation"])
        if organisation is None:
            raise CommandError("Give the organisation's slug: --organisation SLUG.")
        actor = acting_user(options["as_user"])
        try:
            check_importer(actor, organisation)
        except NotAllowed as problem:
            raise CommandError(str(problem)) from problem
        path = Path(options["file"])
        try:
            with path.open("rb") as upload:
                content = upload.read(MAX_UPLOAD_BYTES + 1)
        except OSError as error:
            raise CommandError(f"Cannot read {path}: {error.strerror}. Check the path.") from error
        try:
            result = import_codebook(
                actor, organisation, read_codebook_file(content), dry_run=options["dry_run"]
            )
        except InvalidInput as problem:
            raise CommandError("; ".join(problem.errors.values())) from problem
        except NotAllowed as problem:
            raise CommandError(str(problem)) from problem
        if options["json"]:
            self.stdout.write(json.dumps(result.as_json()))
            return
        verb = "Would add" if result.dry_run else "Added"
        self.stdout.write(f"{verb} {len(result.added)} themes.")
        for path_name in result.added:
            self.stdout.write(f"  + {path_name}")
        if result.matched:
            self.stdout.write(f"Already in the codebook, left as they are ({len(result.matched)}):")
            for path_name in result.matched:
                self.stdout.write(f"  = {path_name}")
        if result.repeated:
            self.stdout.write(f"Named twice in the file, added once ({len(result.repeated)}):")
            for path_name in result.repeated:
                self.stdout.write(f"  = {path_name}")
        if result.dry_run:
            self.stdout.write("Dry run: nothing was changed.")
