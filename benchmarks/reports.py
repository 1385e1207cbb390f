"""Time `meaningful build-report --scope org --format json` against a hand-written DuckDB query.

Loads `seed-scale --people N` into a scratch database (or uses --database-url as it is). The
baseline, in the same run: the agreed ratings exported once to Parquet (not timed), then one
DuckDB query that computes the same two tables the report starts from (each person's latest
agreed level per outcome in the period, and the change from their first rating to it). The
report does more (review completion, team funnel, recording quality, stories, caveats), so the
comparison is generous to the baseline. Then the reports page's server time (median and p95)
with Django's test client, in-process.

    .venv/bin/python benchmarks/reports.py --people 50000                 # SQLite
    .venv/bin/python benchmarks/reports.py --people 50000 --postgres URL  # PostgreSQL
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from pages import prepare
from seed_scale import scratch_database

PERIOD = "2025-12..2026-11"
START, END = "2025-12-01", "2026-11-30"

EXPORT_SQL = """
SELECT CAST(c.person_id AS TEXT), c.framework_id, c.scale_id, r.outcome_id, c.team_id,
       CAST(c.held_on AS TEXT), CAST(c.created_at AS TEXT), l.id, l.rank
FROM conversations_outcomerecord r
JOIN conversations_conversation c ON c.id = r.conversation_id
JOIN frameworks_level l ON l.id = r.agreed_level_id
WHERE c.status = 'agreed'
"""

DUCKDB_SQL = f"""
WITH rated AS (
  SELECT *,
    ROW_NUMBER() OVER (PARTITION BY person, fw, sc, outcome ORDER BY held_on DESC, created DESC) AS newest,
    ROW_NUMBER() OVER (PARTITION BY person, fw, sc, outcome ORDER BY held_on, created) AS oldest
  FROM read_parquet(?) WHERE held_on <= DATE '{END}'
), pairs AS (
  SELECT person, fw, sc, outcome,
    MAX(CASE WHEN newest = 1 THEN level END) AS last_level,
    MAX(CASE WHEN newest = 1 THEN rank END) AS last_rank,
    MAX(CASE WHEN newest = 1 THEN held_on END) AS last_on,
    MAX(CASE WHEN oldest = 1 THEN rank END) AS first_rank,
    MAX(CASE WHEN oldest = 1 THEN held_on END) AS first_on
  FROM rated WHERE newest = 1 OR oldest = 1 GROUP BY ALL
)
SELECT fw, sc, outcome, last_level,
  CASE WHEN last_on > first_on THEN sign(last_rank - first_rank) END AS direction, COUNT(*)
FROM pairs WHERE last_on >= DATE '{START}' GROUP BY ALL
"""


def export_parquet(path: Path) -> int:
    """Write the agreed ratings to Parquet (the baseline's input; not timed)."""
    import duckdb
    import pandas  # type: ignore[import-untyped]
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(EXPORT_SQL)
        frame = pandas.DataFrame(
            cursor.fetchall(),
            columns=[
                "person",
                "fw",
                "sc",
                "outcome",
                "team",
                "held_on",
                "created",
                "level",
                "rank",
            ],
        )
    frame["held_on"] = pandas.to_datetime(frame["held_on"]).dt.date
    duckdb.sql(f"COPY (SELECT * FROM frame) TO '{path}' (FORMAT parquet)")
    return len(frame)


def analyst(organisation: Any) -> Any:
    """An analyst of the organisation to view the reports page as (made once)."""
    from meaningful.accounts.models import User
    from meaningful.accounts.services import create_staff_user, grant_role, system_account

    user = User.objects.filter(username="benchmark-analyst").first()
    if user is None:
        system = system_account()
        user = create_staff_user(
            system, organisation, username="benchmark-analyst", first_name="B", last_name="A"
        )
        grant_role(system, user, "analyst", organisation=organisation)
    return user


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--people", type=int, default=50_000)
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument(
        "--postgres", help="server URL with a CREATEDB role; a scratch database is used"
    )
    parser.add_argument("--database-url", help="use this already loaded database as it is")
    options = parser.parse_args()
    engine = (
        "PostgreSQL"
        if options.postgres or (options.database_url or "").startswith("postgres")
        else "SQLite"
    )
    if options.database_url:
        run(options.database_url, options, engine)
    else:
        with scratch_database(options.postgres, f"meaningful_reports_{os.getpid()}") as url:
            prepare(url, options.people)
            run(url, options, engine)


def run(url: str, options: argparse.Namespace, engine: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "meaningful.settings")
    import django

    django.setup()
    import duckdb
    from django.test import Client
    from django.test.utils import setup_test_environment

    from meaningful.accounts.models import Organisation
    from meaningful.accounts.services import system_account

    organisation = Organisation.objects.order_by("id").first()
    if organisation is None:
        raise SystemExit("No organisation: load data with seed-scale first.")
    with tempfile.TemporaryDirectory() as folder:
        parquet = Path(folder) / "ratings.parquet"
        rows = export_parquet(parquet)
        baseline = []
        for _ in range(3):
            started = time.perf_counter()
            result = duckdb.connect().execute(DUCKDB_SQL, [str(parquet)]).fetchall()
            baseline.append(time.perf_counter() - started)
        inside = []
        from meaningful.reports.builder import ReportRequest, build_report
        from meaningful.reports.period import parse_period
        from meaningful.reports.render import render

        for _ in range(3):
            started = time.perf_counter()
            report = build_report(
                system_account(), ReportRequest("org", organisation.pk, parse_period(PERIOD))
            )
            render(report, "json")
            inside.append(time.perf_counter() - started)
        commands = []
        for _ in range(3):
            started = time.perf_counter()
            subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "meaningful",
                    "build-report",
                    "--scope",
                    "org",
                    "--id",
                    str(organisation.pk),
                    "--period",
                    PERIOD,
                    "--format",
                    "json",
                    "--out",
                    str(Path(folder) / "report.json"),
                ],
                env={**os.environ, "DATABASE_URL": url},
                check=True,
                capture_output=True,
            )
            commands.append(time.perf_counter() - started)
    setup_test_environment()
    client = Client()
    client.force_login(analyst(organisation))
    page = f"/reports/?scope=org-{organisation.pk}&period={PERIOD}"
    client.get(page)  # warm up
    samples = []
    for _ in range(options.requests):
        started = time.perf_counter()
        response = client.get(page)
        samples.append((time.perf_counter() - started) * 1000)
        if response.status_code != 200:
            raise SystemExit(f"The reports page answered {response.status_code}.")
    samples.sort()
    base, command = min(baseline), min(commands)
    print(f"{engine}: {rows} agreed ratings; period {PERIOD}; {len(result)} baseline result rows")
    print(
        f"{engine:10} baseline: DuckDB over Parquet       best of 3 = {base:6.2f} s  ({', '.join(f'{s:.2f}' for s in baseline)})"
    )
    print(
        f"{engine:10} build-report --format json         best of 3 = {command:6.2f} s  ({', '.join(f'{s:.2f}' for s in commands)})"
    )
    print(
        f"{engine:10} the same, in-process (no start-up) best of 3 = {min(inside):6.2f} s  ({', '.join(f'{s:.2f}' for s in inside)})"
    )
    print(
        f"{engine:10} build-report takes {command / base:.1f}x the baseline's time ({min(inside) / base:.1f}x in-process)"
    )
    print(
        f"{engine:10} reports page ({options.requests} requests): median={statistics.median(samples):.0f} ms "
        f"p95={samples[max(0, int(len(samples) * 0.95) - 1)]:.0f} ms"
    )


if __name__ == "__main__":
    main()
