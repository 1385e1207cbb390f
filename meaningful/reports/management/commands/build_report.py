"""meaningful build-report: a team, service or organisation report in any format."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from meaningful.errors import NotFound
from meaningful.interop.tabular.export import AGE_BANDS
from meaningful.management_support import acting_user
from meaningful.people.models import ClientGroup, Sex
from meaningful.reports.builder import ReportRequest, build_report
from meaningful.reports.model import Filters
from meaningful.reports.period import last_twelve_months, parse_period
from meaningful.reports.render import FORMATS, render


class Command(BaseCommand):
    help = "Build a personal outcomes report for an organisation, service or team."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--scope", choices=["org", "service", "team"], required=True)
        parser.add_argument("--id", type=int, help="the service's or team's id (org: optional)")
        parser.add_argument(
            "--period",
            help="2026, 2026-Q3 or 2025-04..2026-03 (default: the last twelve months)",
        )
        parser.add_argument(
            "--audience",
            choices=["internal", "publication"],
            default="internal",
            help="publication hides counts 1-7 and rounds the rest to 5",
        )
        parser.add_argument("--format", choices=sorted(FORMATS), required=True)
        parser.add_argument("--out", type=Path, required=True)
        parser.add_argument("--client-group", choices=ClientGroup.values, default="")
        parser.add_argument(
            "--age-band", choices=[f"{a}-{b}" for a, b in AGE_BANDS] + ["85+"], default=""
        )
        parser.add_argument("--sex", choices=Sex.values, default="")
        parser.add_argument("--population", choices=["carers", "people-using-services"], default="")
        parser.add_argument("--framework", default="", help="framework slug")
        parser.add_argument("--as", dest="as_user", help="username to act as (default: system)")
        parser.add_argument("--json", action="store_true", help="print a summary as JSON")

    def handle(self, *args: Any, **options: Any) -> None:
        actor = acting_user(options["as_user"])
        try:
            period = (
                parse_period(options["period"])
                if options["period"]
                else last_twelve_months(timezone.localdate())
            )
        except ValueError as error:
            raise CommandError(str(error)) from error
        request = ReportRequest(
            scope=options["scope"],
            scope_id=options["id"],
            period=period,
            filters=Filters(
                client_group=options["client_group"],
                age_band=options["age_band"],
                sex=options["sex"],
                population=options["population"],
                framework=options["framework"],
            ),
            audience=options["audience"],
        )
        try:
            report = build_report(actor, request)
        except NotFound as error:
            raise CommandError(str(error)) from error
        content = render(report, options["format"])
        options["out"].write_bytes(content)
        summary = {
            "out": str(options["out"]),
            "scope": report.scope.name,
            "period": report.period_label,
            "audience": report.audience,
            "frameworks": [f"{s.slug}@{s.version}" for s in report.sections],
            "bytes": len(content),
        }
        if options["json"]:
            self.stdout.write(json.dumps(summary, indent=2))
        else:
            self.stdout.write(
                f"Wrote the {report.audience} report for {report.scope.name}, {report.period_label}, "
                f"to {options['out']}."
            )
