"""Rows per second and peak memory of `meaningful import-records`, against a plain bulk load.

The baseline, measured in the same run on the same file, is what the issue names: read the CSV
with `pandas.read_csv` (every cell as text) and insert every row into one staging table in a
single transaction, with no checks and no people, conversations or audit. On SQLite the insert
is one `executemany`; on PostgreSQL it is one `COPY ... FROM STDIN`, the fastest bulk path the
server has, so the baseline is never slower than the import's own write path. The import checks
every row and writes people, conversations, outcome records, plans, revisions and the audit
chain. Each figure comes from its own process: wall time from start to exit, including Python
and Django start-up, and that process's peak resident memory.

A third figure is a floor under any import that keeps what this one keeps: every row the import
left (people, identifiers, allocations, conversations, outcome records, the audit events and
revisions, the reporting rows) is read back and, in a fresh database with the same schema,
inserted in one transaction with no checks, the search index built in bulk as the import builds
it. Only Python start-up, loading those rows and the writes are left; the import cannot be
faster than that on this database.

    .venv/bin/python benchmarks/import.py --rows 100000                 # SQLite
    .venv/bin/python benchmarks/import.py --rows 100000 --postgres URL  # PostgreSQL
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
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


def run(command: list[str], env: dict[str, str]) -> tuple[str, float, float]:
    """Run one process; return its output, wall seconds and its own peak RSS in MB."""
    with tempfile.TemporaryFile() as output, tempfile.TemporaryFile() as errors:
        started = time.perf_counter()
        process = subprocess.Popen(command, env=env, stdout=output, stderr=errors)
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        if process.returncode != 0:
            errors.seek(0)
            raise SystemExit(f"{' '.join(command[:4])} failed:\n{errors.read().decode()}")
        output.seek(0)
        return output.read().decode(), seconds, usage.ru_maxrss / 1024


def meaningful(args: list[str], env: dict[str, str]) -> tuple[str, float, float]:
    return run([sys.executable, "-m", "meaningful", *args], env)


BASELINE = """
import os, sys, django
import pandas
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "meaningful.settings")
django.setup()
from django.db import connection, transaction
frame = pandas.read_csv(sys.argv[1], dtype=str, keep_default_na=False, encoding="utf-8")
rows = list(frame.itertuples(index=False, name=None))
columns = ", ".join(f"c{i} TEXT" for i in range(frame.shape[1]))
with transaction.atomic(), connection.cursor() as cursor:
    cursor.execute(f"CREATE TABLE bench_rows ({columns})")
    if connection.vendor == "postgresql":
        with cursor.cursor.copy("COPY bench_rows FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
    else:
        marks = ", ".join(["%s"] * frame.shape[1])
        cursor.executemany(f"INSERT INTO bench_rows VALUES ({marks})", rows)
print(len(rows))
"""

# Every table an import writes rows to, by model; the search index is built from two of them.
WRITTEN = [
    "accounts.Service",
    "accounts.Team",
    "people.Person",
    "people.Identifier",
    "people.Allocation",
    "conversations.Conversation",
    "conversations.OutcomeRecord",
    "plans.SupportPlan",
    "plans.Action",
    "audit.AuditEvent",
    "audit.Revision",
    "reports.RatingStep",
    "reports.RecordQuality",
    "reports.DueStep",
    "reports.LatestCount",
    "reports.QualityCount",
    "reports.DueCount",
]

# Read every row of the written tables: before the import (argv[2] = "before") their keys,
# after it the rows whose keys were not there before, to a pickle for the floor. PostgreSQL's
# rows are kept as COPY text, so that the floor spends no time turning values into text.
DUMP = f"""
import json, os, pickle, sys, django
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "meaningful.settings")
django.setup()
from django.apps import apps
from django.db import connection
keys_file, stage, rows_file = sys.argv[1], sys.argv[2], sys.argv[3]
before = {{}} if stage == "before" else json.loads(open(keys_file).read())
dump, keys = {{}}, {{}}
with connection.cursor() as cursor:
    for label in {WRITTEN!r}:
        model = apps.get_model(label)
        columns = [field.column for field in model._meta.concrete_fields]
        names = ", ".join(connection.ops.quote_name(column) for column in columns)
        table, pk = model._meta.db_table, connection.ops.quote_name(model._meta.pk.column)
        old = before.get(label, []) or ["none"]
        if stage == "before":
            cursor.execute(f"SELECT {{pk}} FROM {{table}}")
            keys[label] = [str(key) for (key,) in cursor.fetchall()]
        elif connection.vendor == "postgresql":
            marks = ", ".join(["%s"] * len(old))
            select = f"SELECT {{names}} FROM {{table}} WHERE {{pk}}::text NOT IN ({{marks}})"
            with cursor.cursor.copy(f"COPY ({{select}}) TO STDOUT", old) as copy:
                dump[label] = (columns, b"".join(bytes(block) for block in copy))
        else:
            cursor.execute(f"SELECT {{names}} FROM {{table}}")
            key = columns.index(model._meta.pk.column)
            dump[label] = (columns, [row for row in cursor.fetchall() if str(row[key]) not in old])
if stage == "before":
    open(keys_file, "w").write(json.dumps(keys))
else:
    with open(rows_file, "wb") as handle:
        pickle.dump(dump, handle, protocol=pickle.HIGHEST_PROTOCOL)
"""

FLOOR = """
import os, pickle, sys, time, django
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "meaningful.settings")
django.setup()
from django.apps import apps
from django.db import connection, transaction
from meaningful.search.index import indexed_in_bulk
with open(sys.argv[1], "rb") as handle:
    dump = pickle.load(handle)
written, started = 0, time.perf_counter()
with transaction.atomic(), indexed_in_bulk(), connection.cursor() as cursor:
    for label, (columns, rows) in dump.items():
        table = apps.get_model(label)._meta.db_table
        names = ", ".join(connection.ops.quote_name(column) for column in columns)
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                copy.write(rows)
            written += rows.count(b"\\n")
        else:
            marks = ", ".join(["%s"] * len(columns))
            cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", rows)
            written += len(rows)
print(written, time.perf_counter() - started)
"""


def prepare(env: dict[str, str]) -> None:
    """Migrate an empty database and create the organisation the file is imported for."""
    meaningful(["migrate", "-v0"], env)
    setup = (
        "from meaningful.accounts.services import create_organisation, system_account; "
        "create_organisation(system_account(), 'Benchmark Partnership')"
    )
    run(
        [
            sys.executable,
            "-c",
            "import django, os; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'meaningful.settings'); django.setup(); "
            + setup,
        ],
        env,
    )


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
            prepare(env)
            keys, dumped = Path(folder) / "keys.json", Path(folder) / "rows.pickle"
            run([sys.executable, "-c", DUMP, str(keys), "before", str(dumped)], env)
            loaded, base_seconds, base_peak = run([sys.executable, "-c", BASELINE, str(data)], env)
            if int(loaded) != options.rows:
                raise SystemExit(f"The baseline loaded {loaded.strip()} rows, not {options.rows}.")
            output, seconds, peak = meaningful(
                [
                    "import-records",
                    str(data),
                    "--framework",
                    "talking-points-service-users",
                    "--json",
                ],
                env,
            )
            verified, _, _ = meaningful(["verify-audit"], env)
            run([sys.executable, "-c", DUMP, str(keys), "after", str(dumped)], env)
        with scratch_database(options.postgres, f"meaningful_floor_{os.getpid()}") as url:
            env = {**os.environ, "DATABASE_URL": url}
            prepare(env)
            floor, floor_seconds, floor_peak = run([sys.executable, "-c", FLOOR, str(dumped)], env)
    written, writing = floor.split()
    report = json.loads(output)
    print(f"{engine}, {options.rows} rows")
    print(
        f"{engine:10} baseline: pandas + one bulk insert seconds={base_seconds:7.2f} rows/s={options.rows / base_seconds:9.0f} "
        f"peak_rss_mb={base_peak:.0f}"
    )
    print(
        f"{engine:10} import-records (checked, audited)  seconds={seconds:7.2f} rows/s={options.rows / seconds:9.0f} "
        f"peak_rss_mb={peak:.0f} accepted={report['rows_accepted']} conversations={report['conversations_created']}"
    )
    print(
        f"{engine:10} floor: the import's rows written unchecked seconds={floor_seconds:7.2f} "
        f"rows/s={options.rows / floor_seconds:9.0f} peak_rss_mb={floor_peak:.0f} rows_written={written} "
        f"(of which the transaction {float(writing):.2f} s)"
    )
    print(f"{engine:10} import-records takes {seconds / base_seconds:.1f}x the baseline's time")
    print(
        f"{engine:10} the floor takes {floor_seconds / base_seconds:.1f}x the baseline's time; "
        f"import-records {seconds / floor_seconds:.1f}x the floor's"
    )
    print(f"{engine:10} verify-audit: {verified.strip()}")


if __name__ == "__main__":
    main()
