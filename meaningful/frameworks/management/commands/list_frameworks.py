"""meaningful list-frameworks: the installed framework versions and their outcome codes."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from meaningful.frameworks.models import Framework, Scale


class Command(BaseCommand):
    help = "List installed outcome frameworks (each version) with their outcome codes, and scales."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--json", action="store_true", help="print as JSON")

    def handle(self, *args: Any, **options: Any) -> None:
        frameworks: list[dict[str, Any]] = [
            {
                "slug": framework.slug,
                "version": framework.version,
                "name": framework.name,
                "population": framework.population,
                "default_scale": framework.default_scale.code,
                "owner": framework.organisation.slug if framework.organisation else "built-in",
                "outcomes": [
                    {"code": o.code, "name": o.name, "category": o.category, "type": o.outcome_type}
                    for o in framework.outcomes.all()
                ],
            }
            for framework in Framework.objects.select_related(
                "default_scale", "organisation"
            ).prefetch_related("outcomes")
        ]
        scales = [
            {
                "code": scale.code,
                "name": scale.name,
                "levels": [lv.code for lv in scale.levels.all()],
            }
            for scale in Scale.objects.prefetch_related("levels")
        ]
        if options["json"]:
            self.stdout.write(json.dumps({"frameworks": frameworks, "scales": scales}, indent=2))
            return
        for framework in frameworks:
            self.stdout.write(
                f"{framework['slug']} v{framework['version']} ({framework['owner']}): "
                f"{framework['name']}, {len(framework['outcomes'])} outcomes, "
                f"scale {framework['default_scale']}"
            )
            for outcome in framework["outcomes"]:
                self.stdout.write(f"    {outcome['code']:32} {outcome['name']}")
        self.stdout.write("Scales:")
        for scale in scales:
            self.stdout.write(f"    {scale['code']:16} {', '.join(scale['levels'])}")
