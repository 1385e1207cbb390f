"""meaningful import-records: bring outcome records in from a CSV or XLSX file."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.checks import Tags
from django.core.management.base import BaseCommand, CommandError, CommandParser

from meaningful.accounts.models import Membership, Organisation, User
from meaningful.errors import NotFound
from meaningful.frameworks.models import Scale
from meaningful.frameworks.services import usable_framework, usable_frameworks
from meaningful.interop.tabular.columns import ColumnError, read_mapping
from meaningful.interop.tabular.importer import import_records
from meaningful.interop.tabular.reading import UnreadableFile
from meaningful.interop.tabular.report import ImportReport
from meaningful.management_support import acting_user, organisation_option


def _organisation(slug: str | None, actor: User) -> Organisation:
    named = organisation_option(slug)
    if named is not None:
        return named
    mine = Organisation.objects.filter(
        pk__in=Membership.objects.filter(user=actor).values("organisation")
    )
    candidates = mine if mine.exists() else Organisation.objects.all()
    organisation = candidates.first()
    if organisation is None or candidates.count() != 1:
        raise CommandError("Say which organisation the records belong to with --organisation SLUG.")
    return organisation


class Command(BaseCommand):
    help = "Import outcome records from a CSV or XLSX file; bad rows are reported, good rows kept."
    # The checks of what an import touches. The rest (URLs, templates, the API) import every
    # view of the site, a second of start-up that an import never uses; `meaningful check`
    # and the server run them all.
    requires_system_checks = [Tags.models, Tags.database]

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="a .csv or .xlsx file, one outcome per row")
        parser.add_argument(
            "--framework", required=True, help="framework slug, e.g. talking-points-service-users"
        )
        parser.add_argument(
            "--scale", help="the rating scale's code when ratings are numbers, e.g. 1-6"
        )
        parser.add_argument(
            "--mapping", type=Path, help="JSON file mapping your column headings to fields"
        )
        parser.add_argument(
            "--organisation", help="organisation slug (needed when there are several)"
        )
        parser.add_argument("--as", dest="as_user", help="username to act as (default: system)")
        parser.add_argument(
            "--dry-run", action="store_true", help="check everything, change nothing"
        )
        parser.add_argument("--json", action="store_true", help="print the report as JSON")

    def handle(self, *args: Any, **options: Any) -> None:
        actor = acting_user(options["as_user"])
        organisation = _organisation(options["organisation"], actor)
        try:
            framework = usable_framework(organisation, options["framework"])
        except NotFound as error:
            known = ", ".join(
                usable_frameworks(organisation).values_list("slug", flat=True).distinct()
            )
            raise CommandError(f"No framework {options['framework']!r}. Known: {known}.") from error
        scale = None
        if options["scale"]:
            scale = Scale.objects.filter(code=options["scale"]).first()
            if scale is None:
                known = ", ".join(Scale.objects.values_list("code", flat=True))
                raise CommandError(f"No scale {options['scale']!r}. Known: {known}.")
        try:
            mapping = read_mapping(options["mapping"]) if options["mapping"] else None
            report = import_records(
                actor,
                options["file"],
                organisation=organisation,
                framework=framework,
                scale=scale,
                mapping=mapping,
                dry_run=options["dry_run"],
            )
        except (UnreadableFile, ColumnError) as error:
            raise CommandError(str(error)) from error
        if options["json"]:
            self.stdout.write(json.dumps(report.as_dict(), indent=2, default=str))
        else:
            self._describe(report)

    def _describe(self, report: ImportReport) -> None:
        data = report.as_dict()
        prefix = "Dry run (nothing was saved): " if report.dry_run else ""
        self.stdout.write(
            f"{prefix}{data['rows_read']} rows read, {data['rows_accepted']} accepted, "
            f"{data['rows_already_imported']} already imported, {data['rows_rejected']} rejected, "
            f"{data['rows_flagged']} flagged. {data['people_created']} people created, "
            f"{data['conversations_created']} conversations, {data['ratings_stored']} ratings."
        )
        for name in ("services_created", "teams_created"):
            if data[name]:
                self.stdout.write(f"{name.replace('_', ' ').capitalize()}: {', '.join(data[name])}")
        for problem in data["problems"]:
            column = f" [{problem['column']}]" if problem["column"] else ""
            self.stdout.write(f"  row {problem['row']}{column}: {problem['reason']}")
