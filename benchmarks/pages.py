"""Server time of the practitioner's main pages on a large organisation, against a trivial view.

Loads `seed-scale --people N` into a scratch database (or uses --database-url as it is), then
times requests in-process with Django's test client, so the figures are server time without
the network: the caseload, a caseload search, the person page and saving a review. The
baseline, measured in the same run, is the health view, which touches no database.

    .venv/bin/python benchmarks/pages.py --people 100000                 # SQLite
    .venv/bin/python benchmarks/pages.py --people 100000 --postgres URL  # PostgreSQL
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from seed_scale import scratch_database

REQUESTS = 200


def prepare(url: str, people: int) -> None:
    env = {**os.environ, "DATABASE_URL": url}
    for args in (["migrate", "-v0"], ["seed-scale", "--people", str(people)]):
        subprocess.run([sys.executable, "-m", "meaningful", *args], env=env, check=True)


def timed(name: str, call: Callable[[], Any], count: int) -> tuple[float, float]:
    call()  # warm up caches and connections
    samples = []
    for _ in range(count):
        started = time.perf_counter()
        response = call()
        samples.append((time.perf_counter() - started) * 1000)
        if response.status_code not in (200, 302):
            raise SystemExit(f"{name} answered {response.status_code}")
    samples.sort()
    return statistics.median(samples), samples[int(len(samples) * 0.95) - 1]


def measure(url: str, count: int) -> list[tuple[str, float, float]]:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "meaningful.settings")
    import django

    django.setup()
    from django.test import Client
    from django.test.utils import setup_test_environment

    from meaningful.accounts.models import Membership
    from meaningful.conversations.models import Conversation

    setup_test_environment()
    membership = Membership.objects.filter(role="practitioner").order_by("id").first()
    if membership is None or membership.team is None:
        raise SystemExit("No practitioner found: load data with seed-scale first.")
    client = Client()
    client.force_login(membership.user)
    conversation = (
        Conversation.objects.filter(team=membership.team, kind="review")
        .order_by("person_id")
        .first()
    )
    if conversation is None:
        raise SystemExit("No reviewed person on the first team.")
    person = conversation.person
    codes = list(conversation.records.values_list("outcome__code", flat=True)[:3])
    record_url = f"/people/{person.pk}/conversations/record/"
    form: dict[str, Any] = {
        "kind": "review",
        "framework": conversation.framework.slug,
        "outcomes": codes,
        "held_on_day": "1",
        "held_on_month": "11",
        "held_on_year": "2026",
        "story": "Benchmark",
    }
    for code in codes:
        form.update(
            {
                f"{code}-what_matters": "I want to keep going to the club",
                f"{code}-outcome_type": "maintain",
                f"{code}-agreed_level": "met",
            }
        )
    pages: list[tuple[str, Callable[[], Any]]] = [
        ("baseline: health view (no database)", lambda: client.get("/health/")),
        ("caseload (first page)", lambda: client.get("/people/")),
        ("caseload search by name", lambda: client.get("/people/?q=smith")),
        ("caseload: reviews overdue", lambda: client.get("/people/?show=overdue&sort=review-due")),
        ("person page", lambda: client.get(f"/people/{person.pk}/")),
        ("save a review (3 outcomes)", lambda: client.post(record_url, form)),
    ]
    return [(name, *timed(name, call, count)) for name, call in pages]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--people", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=REQUESTS)
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
        results = measure(options.database_url, options.requests)
    else:
        with scratch_database(options.postgres, f"meaningful_pages_{os.getpid()}") as url:
            prepare(url, options.people)
            results = measure(url, options.requests)
    baseline = results[0][1]
    print(f"{engine}, {options.people} people, {options.requests} requests each (server time, ms)")
    for name, median, p95 in results:
        print(
            f"{engine:10} {name:38} median={median:7.1f} p95={p95:7.1f}  ({median / baseline:6.0f}x baseline)"
        )


if __name__ == "__main__":
    main()
