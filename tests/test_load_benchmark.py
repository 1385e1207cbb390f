"""The load test's locust file loads and offers the two kinds of simulated staff.

The load test itself (benchmarks/load.py) needs PostgreSQL, gunicorn and minutes; its figures
are in docs/performance.md. Locust is asked in a process of its own, because importing it
patches the standard library for gevent.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

LOCUSTFILE = Path(__file__).resolve().parent.parent / "benchmarks" / "load_users.py"


def test_the_locust_file_offers_practitioners_and_team_leaders() -> None:
    listed = subprocess.run(  # noqa: S603 - a fixed command line
        [sys.executable, "-m", "locust", "-f", str(LOCUSTFILE), "--list"],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    users = {line.strip() for line in listed.stdout.splitlines()[1:]}
    assert users == {"Practitioner", "TeamLeader"}


def test_the_users_are_weighted_25_to_5() -> None:
    code = (
        "import sys; sys.path.insert(0, sys.argv[1]); import load_users as u; "
        "print(u.Practitioner.weight, u.TeamLeader.weight, u.Staff.abstract)"
    )
    done = subprocess.run(  # noqa: S603 - a fixed command line
        [sys.executable, "-c", code, str(LOCUSTFILE.parent)],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    assert done.stdout.split() == ["25", "5", "True"]
