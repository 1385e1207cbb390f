"""Rows per second and peak memory of `meaningful import-records`, against a plain bulk load.

The baseline, measured in the same run on the same file, reads the CSV with Python's csv module
and inserts every row into one staging table in a single transaction: no checks, no people,
conversations or audit. The import checks every row and writes through the audited services.

    .venv/bin/python benchmarks/import.py --rows 100000                 # SQLite
    .venv/bin/python benchmarks/import.py --rows 100000 --postgres URL  # PostgreSQL
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from seed_scale import scratch_database

OUTCOMES = [
    "Feeling safe",
    "Seeing people",
    "Having things to do",
    "Staying as well as I can",
    "Listened to",
    "Having a say",
    "Improved confidence",
    "Reliability",
]
HEADER = [
    "Person ID",
    "Forename",
    "Surname",
    "Date of birth",
    "Team",
    "Conversation date",
    "Type",
    "Outcome",
    "Rating",
    "What matters",
    "What's working",
    "What's not working",
]


def write_file(path: Path, rows: int) -> None:
    """Write a realistic file: each person has a baseline and a review with three outcomes."""
    rng = random.Random(7)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        written, person = 0, 0
        while written < rows:
            person += 1
            outcomes = rng.sample(OUTCOMES, 3)
            for held_on, kind in (("03/02/2025", "Baseline"), ("04/08/2025", "Review")):
                for outcome in outcomes:
                    if written == rows:
                        return
                    writer.writerow(
                        [
                            f"B{person:07d}",
                            "Ann",
                            f"Lee{person % 97}",
                            "01/01/1950",
                            f"Team {person % 12}",
                            held_on,
                            kind,
                            outcome,
                            rng.choice(["Met", "Partly met", "Not met"]),
                            "I want to get out more",
                            "My neighbour calls in",
                            "The bus is hard to get on",
                        ]
                    )
                    written += 1


def run(args: list[str], env: dict[str, str]) -> tuple[str, float, float]:
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "meaningful", *args],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return (
        result.stdout,
        time.perf_counter() - started,
        resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
    )


BASELINE = """
import csv, os, sys, django
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "meaningful.settings")
django.setup()
from django.db import connection, transaction
with open(sys.argv[1], newline="", encoding="utf-8") as handle:
    reader = csv.reader(handle)
    next(reader)
    rows = list(reader)
with transaction.atomic(), connection.cursor() as cursor:
    cursor.execute("CREATE TABLE bench_rows (" + ", ".join(f"c{i} TEXT" for i in range(12)) + ")")
    cursor.executemany("INSERT INTO bench_rows VALUES (" + ", ".join(["%s"] * 12) + ")", rows)
print(len(rows))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument(
        "--postgres", help="server URL with a CREATEDB role; a scratch database is used"
    )
    options = parser.parse_args()
    engine = "PostgreSQL" if options.postgres else "SQLite"
    with tempfile.TemporaryDirectory() as folder:
        data = Path(folder) / "records.csv"
        write_file(data, options.rows)
        with scratch_database(options.postgres, f"meaningful_import_{os.getpid()}") as url:
            env = {**os.environ, "DATABASE_URL": url}
            run(["migrate", "-v0"], env)
            setup = (
                "from meaningful.accounts.services import create_organisation, system_account; "
                "create_organisation(system_account(), 'Benchmark Partnership')"
            )
            subprocess.run(
                [
                    sys.executable,
                    "-c",
                    "import django, os; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'meaningful.settings'); django.setup(); "
                    + setup,
                ],
                env=env,
                check=True,
            )
            started = time.perf_counter()
            subprocess.run(
                [sys.executable, "-c", BASELINE, str(data)],
                env=env,
                check=True,
                capture_output=True,
            )
            base_seconds = time.perf_counter() - started
            output, seconds, peak = run(
                [
                    "import-records",
                    str(data),
                    "--framework",
                    "talking-points-service-users",
                    "--json",
                ],
                env,
            )
    report = json.loads(output)
    print(f"{engine}, {options.rows} rows")
    print(
        f"{engine:10} baseline: csv + one bulk insert   seconds={base_seconds:7.1f} rows/s={options.rows / base_seconds:9.0f}"
    )
    print(
        f"{engine:10} import-records (checked, audited) seconds={seconds:7.1f} rows/s={options.rows / seconds:9.0f} "
        f"peak_rss_mb={peak:.0f} accepted={report['rows_accepted']} conversations={report['conversations_created']}"
    )
    print(f"{engine:10} import-records takes {seconds / base_seconds:.0f}x the baseline's time")


if __name__ == "__main__":
    main()
