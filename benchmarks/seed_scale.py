"""Time and peak memory of `meaningful seed-scale`, against the audited per-record path.

Baseline, measured in the same run: the demo generator, which writes every person,
conversation and outcome record through the services layer (permission check, audit event,
version history), as recording through the web or an import does.

    .venv/bin/python benchmarks/seed_scale.py --people 100000                 # SQLite
    .venv/bin/python benchmarks/seed_scale.py --people 100000 --postgres URL  # PostgreSQL

With --postgres, URL names a server and a role with CREATEDB; a scratch database is created
and dropped.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlsplit, urlunsplit


def run(args: list[str], env: dict[str, str]) -> tuple[dict[str, Any], float, float]:
    """Run a meaningful command; return its JSON output, wall seconds and the peak RSS (MB) so far."""
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "meaningful", *args],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    seconds = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    lines = [line for line in result.stdout.splitlines() if line.startswith("{")]
    return (json.loads(lines[-1]) if lines else {}), seconds, peak_mb


@contextmanager
def scratch_database(postgres: str | None, name: str) -> Iterator[str]:
    """Yield a DATABASE_URL for an empty database that is removed afterwards."""
    if postgres is None:
        with tempfile.TemporaryDirectory() as folder:
            yield f"sqlite:///{folder}/{name}.sqlite3"
        return
    import psycopg

    parts = urlsplit(postgres)
    with psycopg.connect(postgres, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield urlunsplit(parts._replace(path=f"/{name}"))
    finally:
        with psycopg.connect(postgres, autocommit=True) as admin:
            try:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            except psycopg.errors.InsufficientPrivilege:
                # FORCE may not stop an autovacuum worker for a role without pg_signal_backend;
                # a plain DROP asks autovacuum to leave, which is all that is still connected.
                admin.execute(f'DROP DATABASE IF EXISTS "{name}"')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--people", type=int, default=100_000)
    parser.add_argument("--baseline-people", type=int, default=300)
    parser.add_argument("--postgres", help="postgres://USER:PASSWORD@HOST:PORT/DATABASE")
    options = parser.parse_args()
    engine = "PostgreSQL" if options.postgres else "SQLite"
    figures = {}
    for label, args in [
        (
            "baseline: audited services (demo)",
            ["demo", "--no-serve", "--json", "--people", str(options.baseline_people)],
        ),
        (
            "seed-scale: bulk load",
            ["seed-scale", "--json", "--people", str(options.people)],
        ),
    ]:
        with scratch_database(options.postgres, f"meaningful_bench_{os.getpid()}") as url:
            env = {**os.environ, "DATABASE_URL": url}
            run(["migrate", "-v0"], env)
            output, seconds, _ = run(args, env)
        records = output["outcome_records"]
        peak = output.get("peak_rss_mb", "-")
        figures[label] = records / seconds
        print(
            f"{engine:10} {label:36} people={output['people']:>7} outcome_records={records:>8} "
            f"seconds={seconds:7.1f} records/s={records / seconds:9.0f} peak_rss_mb={peak}"
        )
    base, fast = figures.values()
    print(
        f"{engine:10} seed-scale writes outcome records {fast / base:.0f}x faster than the audited path"
    )


if __name__ == "__main__":
    main()
