"""Time of a narrative search on a large organisation, against a plain LIKE '%word%' scan.

Loads `seed-scale --people N` into a scratch database (or uses --database-url as it is), then
times, in-process, for a few words and two scopes (the whole organisation, as the system
account sees it, and one practitioner's caseload):

- baseline: the same query shape (scope, count, first page of 20, newest first) matching with
  LIKE '%word%' over the four record fields and the story;
- index: the search's own query through the full-text index (FTS5 or GIN), count and page;
- page: the whole search service, with the marked extracts and the audit event.

    .venv/bin/python benchmarks/search.py --people 10000                 # SQLite
    .venv/bin/python benchmarks/search.py --people 10000 --postgres URL  # PostgreSQL
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

WORDS = ["garden", "walk", '"bath lift"', "shore"]
RUNS = 15


def prepare(url: str, people: int) -> float:
    """Migrate and load; return the seconds the load took."""
    env = {**os.environ, "DATABASE_URL": url}
    subprocess.run([sys.executable, "-m", "meaningful", "migrate", "-v0"], env=env, check=True)
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "meaningful", "seed-scale", "--people", str(people)],
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return time.perf_counter() - started


def median_ms(call: Callable[[], Any]) -> tuple[float, Any]:
    result = call()  # warm up
    samples = []
    for _ in range(RUNS):
        started = time.perf_counter()
        call()
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples), result


def measure(url: str) -> list[tuple[str, str, int, float, float, float]]:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "meaningful.settings")
    import django

    django.setup()
    from django.db.models import F, IntegerField, Q, Value

    from meaningful.accounts.models import Membership
    from meaningful.accounts.services import system_account
    from meaningful.conversations.models import Conversation, OutcomeRecord
    from meaningful.search.query import parse_query
    from meaningful.search.services import (
        Criteria,
        Scope,
        _matching,
        search_narratives,
        search_scope,
    )

    def like_matching(scope: Scope, word: str) -> Any:
        """The search's query shape with LIKE '%word%' in place of the index."""
        text = word.strip('"')
        records = (
            OutcomeRecord.objects.filter(conversation__person__in=scope.people.values("pk"))
            .filter(
                Q(what_matters__icontains=text)
                | Q(why_it_matters__icontains=text)
                | Q(working__icontains=text)
                | Q(not_working__icontains=text)
            )
            .annotate(
                source=Value("record"),
                record_pk=F("pk"),
                conversation_pk=F("conversation_id"),
                day=F("conversation__held_on"),
            )
            .values_list("source", "record_pk", "conversation_pk", "day")
            .order_by()
        )
        stories = (
            Conversation.objects.filter(person__in=scope.people.values("pk"), story__icontains=text)
            .annotate(
                source=Value("story"),
                record_pk=Value(None, output_field=IntegerField()),
                conversation_pk=F("pk"),
                day=F("held_on"),
            )
            .values_list("source", "record_pk", "conversation_pk", "day")
            .order_by()
        )
        return records.union(stories, all=True).order_by(
            "-day", "conversation_pk", "source", "record_pk"
        )

    def count_and_page(queryset: Any) -> int:
        list(queryset[:20])
        return int(queryset.count())

    worker = Membership.objects.filter(role="practitioner").order_by("id").first()
    if worker is None:
        raise SystemExit("No practitioner found: load data with seed-scale first.")
    rows = []
    for scope_name, user in (
        ("organisation", system_account()),
        ("one caseload", worker.user),
    ):
        scope = search_scope(user)
        for word in WORDS:
            chosen = Criteria(query=parse_query(word))
            like_ms, like_found = median_ms(
                lambda s=scope, w=word: count_and_page(like_matching(s, w))  # type: ignore[misc]
            )
            index_ms, found = median_ms(
                lambda s=scope, c=chosen: count_and_page(_matching(s, c))  # type: ignore[misc]
            )
            page_ms, _ = median_ms(
                lambda u=user, c=chosen: search_narratives(u, c)  # type: ignore[misc]
            )
            rows.append((scope_name, word, found, like_ms, index_ms, page_ms))
            if word != '"bath lift"' and word != "walk" and like_found != found:
                print(f"note: LIKE found {like_found}, the index {found} for {word}")
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--people", type=int, default=10_000)
    parser.add_argument("--postgres", help="server URL with a CREATEDB role")
    parser.add_argument("--database-url", help="use this already loaded database as it is")
    options = parser.parse_args()
    url = options.database_url or ""
    engine = "PostgreSQL" if options.postgres or url.startswith("postgres") else "SQLite"
    if options.database_url:
        rows = measure(options.database_url)
    else:
        with scratch_database(options.postgres, f"meaningful_search_{os.getpid()}") as scratch:
            seconds = prepare(scratch, options.people)
            print(f"{engine}: seed-scale --people {options.people} took {seconds:.1f} s")
            rows = measure(scratch)
    print(f"{engine}, median of {RUNS} runs, ms (count and first page of 20; page adds extracts)")
    for scope_name, word, found, like_ms, index_ms, page_ms in rows:
        print(
            f"{engine:10} {scope_name:13} {word:13} found={found:>7} "
            f"baseline LIKE={like_ms:8.1f}  index={index_ms:7.1f}  page={page_ms:7.1f}  "
            f"({like_ms / index_ms:5.1f}x faster than LIKE)"
        )


if __name__ == "__main__":
    main()
