"""meaningful import-fhir: read back a Bundle or NDJSON folder written by export-fhir."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from meaningful.interop.fhir.importer import FhirImportReport, UnreadableExport, import_fhir
from meaningful.management_support import acting_user, organisation_option


class Command(BaseCommand):
    help = "Import a FHIR Bundle or NDJSON folder from export-fhir; problems are reported, the rest kept."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "source", type=Path, help="a Bundle (.json), an .ndjson file or a folder"
        )
        parser.add_argument(
            "--organisation",
            help="organisation slug to import into (default: the one named in the export)",
        )
        parser.add_argument("--as", dest="as_user", help="username to act as (default: system)")
        parser.add_argument(
            "--dry-run", action="store_true", help="check everything, change nothing"
        )
        parser.add_argument("--json", action="store_true", help="print the report as JSON")

    def handle(self, *args: Any, **options: Any) -> None:
        actor = acting_user(options["as_user"])
        organisation = organisation_option(options["organisation"])
        try:
            report = import_fhir(
                actor, options["source"], organisation=organisation, dry_run=options["dry_run"]
            )
        except UnreadableExport as error:
            raise CommandError(str(error)) from error
        if options["json"]:
            self.stdout.write(json.dumps(report.as_dict(), indent=2))
        else:
            self._describe(report)

    def _describe(self, report: FhirImportReport) -> None:
        prefix = "Dry run (nothing was saved): " if report.dry_run else ""
        self.stdout.write(
            f"{prefix}{sum(report.resources_read.values())} resources read. "
            f"{report.people_created} people created, {report.people_matched} matched, "
            f"{report.carers_linked} carers linked, {report.conversations_created} conversations "
            f"({report.conversations_already_imported} already here), {report.plans_created} plans, "
            f"{report.consents_created} consents."
        )
        for name in ("organisations_created", "services_created", "teams_created", "staff_created"):
            if getattr(report, name):
                label = name.replace("_", " ").capitalize()
                self.stdout.write(f"{label}: {', '.join(getattr(report, name))}")
        for problem in report.problems:
            self.stdout.write(f"  {problem['resource']}: {problem['reason']}")
