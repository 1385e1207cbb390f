"""meaningful seed-scale: load large synthetic data fast, for benchmarks."""

from __future__ import annotations

import json
import resource
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from meaningful.accounts.models import Organisation
from meaningful.demo.scale import seed_scale


class Command(BaseCommand):
    help = "Load N synthetic people (baseline and reviews, 15 outcome records each) for benchmarks."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--people", type=int, required=True, help="how many people to create")
        parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
        parser.add_argument("--batch-size", type=int, default=2000, help="people per transaction")
        parser.add_argument("--json", action="store_true", help="print the result as JSON")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["people"] < 1:
            raise CommandError("--people must be at least 1.")
        if options["batch_size"] < 1:
            raise CommandError("--batch-size must be at least 1.")
        name = f"Scale test organisation {options['people']} people seed {options['seed']}"
        if Organisation.objects.filter(name=name).exists():
            raise CommandError(f"{name!r} is already loaded; choose another --seed.")
        started = time.perf_counter()
        summary = seed_scale(
            people=options["people"], seed=options["seed"], batch_size=options["batch_size"]
        )
        seconds = time.perf_counter() - started
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        result = {**summary.__dict__, "seconds": round(seconds, 1), "peak_rss_mb": round(peak_mb)}
        if options["json"]:
            self.stdout.write(json.dumps(result))
        else:
            self.stdout.write(
                f"Loaded {summary.people} people, {summary.conversations} conversations and "
                f"{summary.outcome_records} outcome records into {summary.organisation!r} "
                f"in {seconds:.1f} s (peak memory {peak_mb:.0f} MB)."
            )
