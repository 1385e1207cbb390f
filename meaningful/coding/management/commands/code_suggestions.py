"""meaningful code-suggestions: work out suggested codes for conversations new or changed."""

from __future__ import annotations

import json
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import close_old_connections

from meaningful.coding.models import JobState, SuggestionJob
from meaningful.coding.suggesting import Coders, Worked, work_through_queue


class Command(BaseCommand):
    help = (
        "Work out suggested outcome codes for every conversation that is new or changed since "
        "its suggestions were worked out; with --watch, keep doing so."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--watch",
            type=float,
            metavar="SECONDS",
            help="keep running, looking for new or changed conversations every SECONDS",
        )
        parser.add_argument(
            "--limit", type=int, help="work out at most this many conversations in each pass"
        )
        parser.add_argument("--json", action="store_true", help="print each pass's figures as JSON")

    def handle(self, *args: Any, **options: Any) -> None:
        watch: float | None = options["watch"]
        limit: int | None = options["limit"]
        if watch is not None and watch <= 0:
            raise CommandError("--watch needs a number of seconds above 0.")
        if limit is not None and limit < 1:
            raise CommandError("--limit must be at least 1.")
        coders = Coders()  # built once, kept for every pass of this process
        while True:
            worked = work_through_queue(coders, limit=limit)
            self.report(worked, options["json"])
            if watch is None:
                if worked.failed:
                    raise CommandError(f"{worked.failed} conversation(s) failed; see above.")
                return
            close_old_connections()
            time.sleep(watch)

    def report(self, worked: Worked, as_json: bool) -> None:
        """Print what one pass did, and why each job that failed did."""
        waiting = SuggestionJob.objects.filter(state=JobState.QUEUED).count()
        figures = {
            "conversations": worked.conversations,
            "suggestions": worked.suggestions,
            "failed": worked.failed,
            "still_queued": waiting,
        }
        if as_json:
            self.stdout.write(json.dumps(figures))
        else:
            self.stdout.write(
                f"{worked.conversations} conversation(s) worked out, {worked.suggestions} "
                f"suggestion(s) stored, {worked.failed} failed, {waiting} still queued."
            )
        if worked.failed:
            for job in SuggestionJob.objects.filter(state=JobState.FAILED).order_by("-finished_at")[
                : worked.failed
            ]:
                self.stderr.write(f"conversation {job.conversation_id}: {job.error}")
