"""Time combining three organisations' returns: reading, protecting and auditing national tables.

Run: .venv/bin/python benchmarks/national.py [--people 300] [--breakdowns sex,age_band,...]
                                              [--policy rounding|suppression] [--exact-audit]

Makes three returns (seeds 1, 2 and 3) from random ratings on the fifteen Talking Points
outcomes for people who use services, each protected under the organisation's own policy by the
disclosure package, as `tests/national/returns.py` makes them (organisations and the national
tables under the same policy); then combines them and prints the time taken and the audit in
figures.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "meaningful.settings")

import django  # noqa: E402

django.setup()

from meaningful.frameworks.loading import DATA_DIR  # noqa: E402
from meaningful.national.combine import combine  # noqa: E402
from meaningful.national.reading import SubmittedReturn  # noqa: E402
from meaningful.national.services import national_policy  # noqa: E402
from tests.national.returns import FRAMEWORK, make_return, random_ratings  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--people", type=int, default=300)
    parser.add_argument("--breakdowns", default="sex,age_band,client_group,service_type")
    parser.add_argument("--policy", choices=["rounding", "suppression"], default="rounding")
    parser.add_argument("--exact-audit", action="store_true")
    options = parser.parse_args()
    definition = json.loads((DATA_DIR / "talking-points-service-users.v1.json").read_text())
    outcomes = [{"code": o["code"], "name": o["name"]} for o in definition["outcomes"]]
    framework = {**FRAMEWORK, "outcomes": outcomes}
    breakdowns = [b for b in options.breakdowns.split(",") if b]
    policy = national_policy(options.policy)
    started = time.perf_counter()
    returns = [
        SubmittedReturn(
            f"{code}.json",
            make_return(
                code,
                random_ratings(seed, options.people, [o["code"] for o in outcomes]),
                breakdowns=breakdowns,
                frameworks=[framework],
                policy=policy,
            ),
        )
        for code, seed in (("north", 1), ("south", 2), ("east", 3))
    ]
    made = time.perf_counter() - started
    cells = sum(len(t["cells"]) for r in returns for t in r.document["tables"])
    started = time.perf_counter()
    release = combine(returns, policy, whole_numbers=options.exact_audit)
    took = time.perf_counter() - started
    audit = release.audit_summary()
    print(f"returns: 3 x {options.people} people, breakdowns {breakdowns}, {cells} cells in all")
    print(f"made (each organisation protecting its own): {made:.1f} s")
    print(f"combined: {took:.1f} s ({release.seconds})")
    print(
        f"audit: passed={audit['passed']}, hidden counts checked={audit['checked']}, "
        f"national figures hidden={audit['hidden']}, withheld={audit['withheld']}, "
        f"narrowest range={audit['narrowest_range']}, linked figures={audit['linked_figures']}"
    )
    print(f"tables: {len(release.families)}; warnings: {len(release.warnings)}")


if __name__ == "__main__":
    main()
