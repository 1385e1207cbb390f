"""meaningful export-fhir: a person's record as a FHIR R4 Bundle, or everyone's as NDJSON."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from meaningful.errors import NotAllowed, NotFound
from meaningful.interop.fhir.export import bulk_export, person_bundle
from meaningful.management_support import acting_user


class Command(BaseCommand):
    help = "Export records as FHIR R4: one person as a Bundle, or everyone you may see as NDJSON."

    def add_arguments(self, parser: CommandParser) -> None:
        which = parser.add_mutually_exclusive_group(required=True)
        which.add_argument("--person", help="the person's id (as in the address of their page)")
        which.add_argument(
            "--all", action="store_true", help="everyone you may see, one NDJSON file per type"
        )
        parser.add_argument(
            "--out",
            type=Path,
            required=True,
            help="a .json file for --person; a folder for --all",
        )
        parser.add_argument("--as", dest="as_user", help="username to act as (default: system)")
        parser.add_argument("--json", action="store_true", help="print a summary as JSON")

    def handle(self, *args: Any, **options: Any) -> None:
        actor = acting_user(options["as_user"])
        out: Path = options["out"]
        try:
            if options["all"]:
                if out.exists() and not out.is_dir():
                    raise CommandError(f"{out} is a file; --all writes a folder of NDJSON files.")
                counts = dict(sorted(bulk_export(actor, out).items()))
            else:
                bundle = person_bundle(actor, options["person"])
                out.write_text(json.dumps(bundle, indent=2, ensure_ascii=False), encoding="utf-8")
                counts = {}
                for entry in bundle["entry"]:
                    kind = entry["resource"]["resourceType"]
                    counts[kind] = counts.get(kind, 0) + 1
        except NotFound as error:
            raise CommandError(
                f"No person {options['person']!r} that {actor.username} may see."
            ) from error
        except NotAllowed as error:
            raise CommandError(str(error)) from error
        summary = {"out": str(out), "resources": counts, "total": sum(counts.values())}
        if options["json"]:
            self.stdout.write(json.dumps(summary, indent=2))
        else:
            listed = ", ".join(f"{n} {kind}" for kind, n in sorted(counts.items()))
            self.stdout.write(f"Wrote {summary['total']} resources to {out}: {listed}.")
