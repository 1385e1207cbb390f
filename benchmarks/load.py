"""Load test: 25 practitioners recording conversations and 5 team leaders opening reports at once.

One command does it all, on this machine:

1. a scratch PostgreSQL database, `loadbench` (dropped first if it is there): migrate, then
   `seed-scale --people N` (10,000 by default: 40 teams of about 250 people), then 30 accounts
   of the test's own, the practitioners on the first 25 teams and the team leaders on the
   first 5. Two-factor sign-in stays required, as in production: every account has a
   confirmed authenticator app, and the simulated staff compute their codes with pyotp.
2. gunicorn with 2 workers on 127.0.0.1, with production settings (DEBUG off, a secret key,
   two-factor required, the default password hashing). With --app-role it connects as a
   second database role holding only the application's grants (docs/deployment.md).
3. locust, headless (the users are in benchmarks/load_users.py), 30 users weighted 25:5, for
   --minutes; users finish the task in hand when the time is up.
4. the figures: requests per second, p50 and p95 per kind of request, the errors, and the
   conversations saved according to locust against those in the database (and whether the
   audit chain still holds). The exit status is 1 when there were errors or the counts differ.

    .venv/bin/python benchmarks/load.py --postgres postgres://USER:PASSWORD@127.0.0.1:5432/postgres

The URL names a server and a role with CREATEDB (and CREATEROLE for --app-role); its own
database is used only to create and drop `loadbench`. Requests go to pages, not their static
files, which a browser keeps in its cache.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import secrets
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any
from urllib.parse import quote, urlsplit, urlunsplit

HERE = Path(__file__).resolve().parent
DATABASE = "loadbench"
APP_ROLE = "loadbench_app"
PRACTITIONERS, TEAM_LEADERS = 25, 5  # as the weights in load_users.py
SAVE, AGREE = "save conversation", "agree conversation"


@dataclass(frozen=True)
class Row:
    """One line of locust's statistics: a kind of request, or all of them ("Aggregated")."""

    name: str
    requests: int
    failures: int
    per_second: float
    p50: float
    p95: float


def with_database(url: str, name: str, login: tuple[str, str] | None = None) -> str:
    parts = urlsplit(url)._replace(path=f"/{name}")
    if login is not None:
        user, password = login
        parts = parts._replace(
            netloc=f"{quote(user)}:{quote(password)}@{parts.hostname}:{parts.port or 5432}"
        )
    return urlunsplit(parts)


def admin(server: str, *statements: Any) -> None:
    import psycopg

    with psycopg.connect(server, autocommit=True) as connection:
        for statement in statements:
            connection.execute(statement)


def drop_database(server: str) -> None:
    import psycopg

    try:
        admin(server, f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
    except psycopg.errors.InsufficientPrivilege:
        admin(server, f'DROP DATABASE IF EXISTS "{DATABASE}"')


@contextmanager
def scratch(server: str, app_role: bool) -> Iterator[tuple[str, str]]:
    """Yield the owner's and the application's DATABASE_URL for a fresh `loadbench`."""
    from psycopg import sql

    drop_database(server)
    admin(server, f'CREATE DATABASE "{DATABASE}"')
    owner = with_database(server, DATABASE)
    application = owner
    if app_role:
        password = secrets.token_hex(16)
        admin(
            server,
            sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(APP_ROLE)),
            sql.SQL("CREATE ROLE {} LOGIN PASSWORD {}").format(
                sql.Identifier(APP_ROLE), sql.Literal(password)
            ),
        )
        application = with_database(server, DATABASE, (APP_ROLE, password))
    try:
        yield owner, application
    finally:
        drop_database(server)
        if app_role:
            admin(server, sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(APP_ROLE)))


def meaningful(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "meaningful", *args],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(f"meaningful {' '.join(args)} failed:\n{done.stdout}{done.stderr}")
    return done.stdout


def make_accounts() -> list[dict[str, str]]:
    """The test's staff, each with a confirmed authenticator app; their secrets go to locust."""
    import pyotp

    from meaningful.accounts.models import Organisation, Role, Team
    from meaningful.accounts.services import create_staff_user, grant_role, system_account
    from meaningful.accounts.two_factor import confirm_set_up, secret_of, start_set_up

    system = system_account()
    organisation = Organisation.objects.get(name__startswith="Scale test organisation")
    teams = list(Team.objects.filter(service__organisation=organisation).order_by("name"))
    password = secrets.token_urlsafe(18)
    accounts = []
    for kind, role, count in (
        ("practitioner", Role.PRACTITIONER, PRACTITIONERS),
        ("team-leader", Role.TEAM_LEADER, TEAM_LEADERS),
    ):
        for number in range(1, count + 1):
            username = f"load-{kind}-{number:02d}"
            user = create_staff_user(
                system,
                organisation,
                username=username,
                first_name="Load",
                last_name=f"{role.label} {number}",
                password=password,
            )
            grant_role(system, user, role, team=teams[number - 1])
            secret = secret_of(start_set_up(user))
            # Confirmed with the code of the step before now (accepted, as a phone's clock may
            # lag), so the code of the current step still signs in once the test starts.
            confirm_set_up(user, pyotp.TOTP(secret).at(time.time() - 30))
            accounts.append(
                {"kind": kind, "username": username, "password": password, "secret": secret}
            )
    return accounts


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def gunicorn(env: dict[str, str], workers: int, log: IO[str]) -> Iterator[str]:
    """Serve the application; yield its address once /health/ answers."""
    port = free_port()
    server = subprocess.Popen(
        [
            *(sys.executable, "-m", "gunicorn", "meaningful.wsgi:application"),
            *("--bind", f"127.0.0.1:{port}", "--workers", str(workers), "--timeout", "60"),
        ],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    address = f"http://127.0.0.1:{port}"
    try:
        for _ in range(120):
            if server.poll() is not None:
                raise SystemExit(f"gunicorn stopped at start; see {log.name}")
            try:
                with urllib.request.urlopen(f"{address}/health/", timeout=5) as answer:  # noqa: S310 - our own server
                    if answer.status == 200:
                        break
            except OSError:
                time.sleep(0.5)
        else:
            raise SystemExit(f"gunicorn did not answer; see {log.name}")
        yield address
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()


def run_locust(
    address: str, accounts: Path, folder: Path, minutes: float, spawn_rate: float, think: float
) -> None:
    users = PRACTITIONERS + TEAM_LEADERS
    with (folder / "locust.log").open("w") as log:
        subprocess.run(
            [
                *(sys.executable, "-m", "locust", "-f", str(HERE / "load_users.py"), "--headless"),
                *("--users", str(users), "--spawn-rate", str(spawn_rate)),
                *("--run-time", f"{round(minutes * 60)}s", "--stop-timeout", "120"),
                *("--host", address, "--csv", str(folder / "locust"), "--only-summary"),
            ],
            env={
                **os.environ,
                "LOADBENCH_ACCOUNTS": str(accounts),
                "LOADBENCH_THINK": str(think),
            },
            stdout=log,
            stderr=subprocess.STDOUT,
            check=False,  # locust exits 1 when any request failed; the figures say so
        )


def read_rows(folder: Path) -> list[Row]:
    with (folder / "locust_stats.csv").open() as handle:
        return [
            Row(
                name=line["Name"],
                requests=int(line["Request Count"]),
                failures=int(line["Failure Count"]),
                per_second=float(line["Requests/s"]),
                p50=float(line["50%"] or 0),
                p95=float(line["95%"] or 0),
            )
            for line in csv.DictReader(handle)
        ]


def read_problems(folder: Path) -> tuple[list[str], int]:
    """The failures (each kind with how often) and the number of exceptions in the users."""
    problems = []
    with (folder / "locust_failures.csv").open() as handle:
        for line in csv.DictReader(handle):
            problems.append(f"{line['Occurrences']} x {line['Name']}: {line['Error']}")
    with (folder / "locust_exceptions.csv").open() as handle:
        exceptions = list(csv.DictReader(handle))
    for line in exceptions:
        problems.append(f"{line['Count']} x exception: {line['Message']}")
    return problems, sum(int(line["Count"]) for line in exceptions)


def database_counts() -> dict[str, Any]:
    from django.db import connection

    from meaningful.audit.models import AuditEvent
    from meaningful.audit.services import verify_chain
    from meaningful.conversations.models import Conversation, ConversationStatus

    connection.close()  # idle through the run; a fresh connection for the counts
    recorded = Conversation.objects.filter(practitioner__username__startswith="load-practitioner-")
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('server_version')")
        version = cursor.fetchone()[0]
    return {
        "conversations": recorded.count(),
        "agreed": recorded.filter(status=ConversationStatus.AGREED).count(),
        "audit_events": AuditEvent.objects.count(),
        "audit_broken_at": verify_chain(),
        "postgresql": version,
    }


def report(
    rows: list[Row], problems: list[str], exceptions: int, counts: dict[str, Any], header: str
) -> bool:
    """Print the figures; return True when the goals hold (no errors, counts equal)."""
    by_name = {row.name: row for row in rows}
    total = by_name["Aggregated"]
    print(header)
    print(f"{'request':40} {'count':>7} {'errors':>6} {'req/s':>7} {'p50 ms':>7} {'p95 ms':>7}")
    for row in sorted(rows, key=lambda r: (r.name == "Aggregated", r.name)):
        label = "all requests" if row.name == "Aggregated" else row.name
        print(
            f"{label:40} {row.requests:7} {row.failures:6} {row.per_second:7.2f} "
            f"{row.p50:7.0f} {row.p95:7.0f}"
        )
    seconds = total.requests / total.per_second if total.per_second else 0
    print(f"measured over {seconds:.0f} s: the run time, then the tasks in hand finishing")
    errors = total.failures + exceptions
    print(f"errors: {total.failures} failed requests, {exceptions} exceptions in the users")
    for line in problems[:10]:
        print(f"  {line}")
    saved = by_name[SAVE].requests - by_name[SAVE].failures if SAVE in by_name else 0
    agreed = by_name[AGREE].requests - by_name[AGREE].failures if AGREE in by_name else 0
    same = saved == counts["conversations"]
    print(
        f"conversations saved (locust): {saved}; in the database: {counts['conversations']}"
        f" -> {'equal' if same else 'DIFFERENT'}"
    )
    print(f"conversations agreed (locust): {agreed}; in the database: {counts['agreed']}")
    broken = counts["audit_broken_at"]
    chain = "holds" if broken is None else f"BROKEN at event {broken}"
    print(f"audit chain: {chain} ({counts['audit_events']} events)")
    return errors == 0 and same and broken is None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--postgres",
        default=os.environ.get("DATABASE_URL", ""),
        help="server URL of a role with CREATEDB (default: DATABASE_URL)",
    )
    parser.add_argument("--minutes", type=float, default=5.0)
    parser.add_argument("--people", type=int, default=10_000)
    parser.add_argument("--spawn-rate", type=float, default=2.0, help="users started a second")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument(
        "--think", type=float, default=1.0, help="multiplies the pauses between pages; 0: none"
    )
    parser.add_argument(
        "--app-role",
        action="store_true",
        help=f"serve as a second role, {APP_ROLE}, with the application's grants only",
    )
    parser.add_argument("--json-out", type=Path, help="also write the figures here as JSON")
    options = parser.parse_args()
    if not options.postgres.startswith(("postgres://", "postgresql://")):
        parser.error("give --postgres postgres://USER:PASSWORD@HOST:PORT/DATABASE")

    with (
        tempfile.TemporaryDirectory(prefix="loadbench-") as name,
        scratch(options.postgres, options.app_role) as (owner, application),
    ):
        try:
            good = run(options, Path(name), owner, application)
        finally:
            if "django.db" in sys.modules:
                from django.db import connections

                connections.close_all()  # before `loadbench` is dropped
    if not good:
        raise SystemExit(1)


def run(options: argparse.Namespace, folder: Path, owner: str, application: str) -> bool:
    """Prepare, serve, load, count; return True when the goals hold."""
    load_before = os.getloadavg()[0]  # what the machine was doing before this script's work
    env = {
        **os.environ,
        "DATABASE_URL": owner,
        "MEANINGFUL_DATA_DIR": str(folder),
        "MEANINGFUL_SECRET_KEY": secrets.token_urlsafe(50),
        "MEANINGFUL_DEBUG": "false",
        "MEANINGFUL_REQUIRE_TWO_FACTOR": "true",
        "MEANINGFUL_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_SETTINGS_MODULE": "meaningful.settings",
    }
    if options.app_role:
        env["MEANINGFUL_DB_APP_ROLE"] = APP_ROLE
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    print(f"Preparing {DATABASE}: migrate, seed-scale --people {options.people}, 30 accounts")
    meaningful(env, "migrate", "-v0")
    meaningful(env, "seed-scale", "--people", str(options.people))
    os.environ.update(env)
    import django

    django.setup()
    accounts = folder / "accounts.json"
    accounts.write_text(json.dumps(make_accounts()))
    accounts.chmod(0o600)
    serving = {**env, "DATABASE_URL": application}
    with (
        (folder / "gunicorn.log").open("w") as log,
        gunicorn(serving, options.workers, log) as address,
    ):
        role = APP_ROLE if options.app_role else "the owner"
        print(
            f"Running locust for {options.minutes:g} min against gunicorn at {address}"
            f" ({options.workers} workers, connected as {role})"
        )
        run_locust(address, accounts, folder, options.minutes, options.spawn_rate, options.think)
        load_after = os.getloadavg()[0]
    server_log = (folder / "gunicorn.log").read_text()
    rows = read_rows(folder)
    problems, exceptions = read_problems(folder)
    counts = database_counts()
    header = (
        f"{PRACTITIONERS + TEAM_LEADERS} users ({PRACTITIONERS} practitioners, "
        f"{TEAM_LEADERS} team leaders) for {options.minutes:g} min; gunicorn "
        f"{options.workers} workers; PostgreSQL {counts['postgresql']}; "
        f"{options.people} people; think time x{options.think:g}; {os.cpu_count()} cores, "
        f"load average {load_before:.1f} before preparing, {load_after:.1f} at the end"
    )
    good = report(rows, problems, exceptions, counts, header)
    tracebacks = server_log.count("Traceback")
    print(f"server log: {tracebacks} tracebacks, {server_log.count('WORKER TIMEOUT')} timeouts")
    if tracebacks:
        print(f"last lines of the server log:\n{server_log[-3000:]}")
    if options.json_out:
        figures = {
            "header": header,
            "rows": [row.__dict__ for row in rows],
            "problems": problems,
            "exceptions": exceptions,
            "database": counts,
            "server_tracebacks": tracebacks,
        }
        options.json_out.write_text(json.dumps(figures, indent=2))
    return good and not tracebacks


if __name__ == "__main__":
    main()
