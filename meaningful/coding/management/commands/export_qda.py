"""meaningful export-qda: the codebook, or the coded corpus, as a REFI-QDA file."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from meaningful.coding.exchange.export import export_codebook, export_project
from meaningful.coding.scope import coding_organisation
from meaningful.errors import InvalidInput, NotAllowed
from meaningful.management_support import acting_user, organisation_option


class Command(BaseCommand):
    help = (
        "Write an organisation's codebook (.qdc) or its codebook with the anonymised coded "
        "narratives the user may export (.qdpx) as a REFI-QDA file, for NVivo, ATLAS.ti, "
        "MAXQDA or QualCoder."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--organisation", required=True, help="the organisation's slug")
        parser.add_argument(
            "--as", dest="as_user", required=True, help="username of the member of staff exporting"
        )
        parser.add_argument(
            "--codebook-only",
            action="store_true",
            help="write the codebook alone (.qdc) rather than the coded project (.qdpx)",
        )
        parser.add_argument("--out", required=True, help="the file to write")
        parser.add_argument("--json", action="store_true", help="print what was written as JSON")

    def handle(self, *args: Any, **options: Any) -> None:
        organisation = organisation_option(options["organisation"])
        actor = acting_user(options["as_user"])
        try:
            if organisation is None or coding_organisation(actor).pk != organisation.pk:
                raise NotAllowed(f"{actor.username} does not code for {options['organisation']}.")
            exported = export_codebook(actor) if options["codebook_only"] else export_project(actor)
        except (NotAllowed, InvalidInput) as problem:
            raise CommandError(str(problem)) from problem
        out = Path(options["out"])
        try:
            out.write_bytes(exported.content)
        except OSError as error:
            raise CommandError(
                f"Cannot write {out}: {error.strerror}. Choose another path."
            ) from error
        figures = {"file": str(out), "bytes": len(exported.content), **exported.counts}
        if options["json"]:
            self.stdout.write(json.dumps(figures))
            return
        held = ", ".join(
            f"{value} {name.replace('_', ' ')}" for name, value in exported.counts.items()
        )
        self.stdout.write(f"Wrote {out} ({len(exported.content):,} bytes): {held}.")
