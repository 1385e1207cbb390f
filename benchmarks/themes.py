"""Themes across narratives on a demo database: seconds per request, cold and warm.

Run on a database the demo filled (`meaningful demo --no-serve`):

    DATABASE_URL=sqlite:///var/meaningful.sqlite3 .venv/bin/python benchmarks/themes.py [YEAR]

For each team and for the whole organisation, and for both fields, it prints the sentences
grouped, the themes shown, the smaller themes left out and the seconds `narrative_themes` took.
The first request of the process also loads the embedding model; it is printed apart.
"""

from __future__ import annotations

import os
import sys
import time
from datetime import date

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "meaningful.settings")
django.setup()

from meaningful.accounts.models import Membership, Organisation, Role, Team  # noqa: E402
from meaningful.analysis.embedding import shared_model  # noqa: E402
from meaningful.coding.themes import ThemeRequest, narrative_themes  # noqa: E402


def main() -> None:
    year = int(sys.argv[1]) if len(sys.argv) > 1 else date.today().year
    organisation = Organisation.objects.order_by("pk").first()
    if organisation is None:
        raise SystemExit("No organisation: run `meaningful demo --no-serve` first.")
    analyst = Membership.objects.filter(organisation=organisation, role=Role.ANALYST).first()
    if analyst is None:
        raise SystemExit("The organisation has no analyst to ask as.")
    started = time.perf_counter()
    shared_model()
    print(f"model load: {time.perf_counter() - started:.2f} s")
    scopes: list[Team | None] = [
        *Team.objects.filter(service__organisation=organisation).order_by("name"),
        None,
    ]
    for field in ("not_working", "working"):
        for team in scopes:
            request = ThemeRequest(organisation, team, date(year, 1, 1), date(year, 12, 31), field)
            started = time.perf_counter()
            report = narrative_themes(analyst.user, request)
            seconds = time.perf_counter() - started
            name = team.name if team else "whole organisation"
            print(
                f"{field:12} {name:24} people {report.people or 0:4} themes "
                f"{len(report.themes):3} smaller {report.smaller:3}  {seconds:.2f} s"
            )


if __name__ == "__main__":
    main()
