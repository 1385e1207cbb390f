"""Time building the demo organisation's aggregate return, alone and after a release it overlaps.

Creates the demo (`meaningful demo --people N`, 300 by default, fixed seed and day) in a scratch
database, then times `build_return` for the year 2026 as a draft (no earlier release), then
releases 2026-Q4 and times the year again, now audited together with the quarter. Prints the
time, the number of cells, hidden counts and counts checked, and the audit's verdict.

    .venv/bin/python benchmarks/returns.py
    .venv/bin/python benchmarks/returns.py --people 1000
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from seed_scale import scratch_database

TODAY = "2026-11-26"


def timed_build(period: str, *, final: bool) -> tuple[float, dict[str, Any]]:
    from meaningful.accounts.models import Organisation, User
    from meaningful.reports.period import parse_period
    from meaningful.returns.build import build_return

    organisation = Organisation.objects.get()
    admin = User.objects.get(username="graham.stewart")
    started = time.perf_counter()
    document = build_return(admin, organisation, parse_period(period), final=final)
    return time.perf_counter() - started, document


def row(name: str, seconds: float, document: dict[str, Any]) -> str:
    audit = document["metadata"]["audit"]
    cells = sum(len(t["cells"]) for t in document["tables"])
    verdict = "passed" if audit["passed"] else "failed"
    return (
        f"| {name} | {seconds:.1f} s | {cells:,} | {audit['hidden']:,} | {audit['checked']:,} "
        f"| {verdict} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--people", type=int, default=300)
    options = parser.parse_args()
    with scratch_database(None, "returns") as url:
        env = {**os.environ, "DATABASE_URL": url}
        subprocess.run(
            [sys.executable, "-m", "meaningful", "demo", "--no-serve", "--people",
             str(options.people), "--today", TODAY, "--json"],
            env=env, check=True, stdout=subprocess.DEVNULL,
        )  # fmt: skip
        os.environ["DATABASE_URL"] = url
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "meaningful.settings")
        import django

        django.setup()
        lines = [
            "| return | time | table cells | hidden | hidden counts checked | audit |",
            "|---|---|---|---|---|---|",
        ]
        seconds, document = timed_build("2026", final=False)
        lines.append(row("2026, no earlier release", seconds, document))
        seconds, document = timed_build("2026-Q4", final=True)
        lines.append(row("2026-Q4, released", seconds, document))
        seconds, document = timed_build("2026", final=False)
        lines.append(row("2026, with 2026-Q4 in the register", seconds, document))
        print(f"Demo organisation, {options.people} people:")
        print("\n".join(lines))


if __name__ == "__main__":
    main()
