"""meaningful load-frameworks: validate and install framework or scale definition files."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from meaningful.frameworks.services import load_definition_file
from meaningful.frameworks.validation import DefinitionError
from meaningful.management_support import acting_user, organisation_option


class Command(BaseCommand):
    help = "Validate and install outcome framework or scale files (JSON); each problem is listed."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("files", nargs="+", type=Path, help="framework or scales JSON files")
        parser.add_argument(
            "--organisation",
            help="slug of the organisation that owns the frameworks "
            "(omit for frameworks shared by the whole installation)",
        )
        parser.add_argument("--as", dest="as_user", help="username to act as (default: system)")
        parser.add_argument("--json", action="store_true", help="print results as JSON")

    def handle(self, *args: Any, **options: Any) -> None:
        actor = acting_user(options["as_user"])
        organisation = organisation_option(options["organisation"])
        results: list[dict[str, Any]] = []
        failures: list[dict[str, Any]] = []
        for path in options["files"]:
            try:
                loaded = load_definition_file(actor, path, organisation=organisation)
            except DefinitionError as error:
                failures.append({"file": str(path), "problems": error.problems})
                continue
            results.append(loaded.__dict__)
        if options["json"]:
            self.stdout.write(json.dumps({"loaded": results, "failed": failures}, indent=2))
        else:
            for result in results:
                self.stdout.write(
                    f"{result['status']}: {result['kind']} {result['name']} ({result['source']})"
                )
            for failure in failures:
                self.stderr.write(f"{failure['file']} cannot be loaded:")
                for problem in failure["problems"]:
                    self.stderr.write(f"  - {problem}")
        if failures:
            raise CommandError(
                f"{len(failures)} file(s) had problems; nothing from them was loaded."
            )
