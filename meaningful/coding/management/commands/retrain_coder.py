"""meaningful retrain-coder: teach the suggestions an organisation's accepted outcome codes."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from meaningful.coding.training import TrainingProblem, retrain_coder
from meaningful.errors import NotAllowed
from meaningful.management_support import acting_user, organisation_option


class Command(BaseCommand):
    help = (
        "Teach the suggested codes of one framework the outcome codes an organisation's staff "
        "applied or accepted; prints how often the first suggestion was right before and after "
        "(5-fold cross-validation on those codes)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--organisation", required=True, help="the organisation's slug")
        parser.add_argument("--framework", required=True, help="the framework's slug")
        parser.add_argument("--as", dest="as_user", help="username to act as (default: system)")
        parser.add_argument("--json", action="store_true", help="print the figures as JSON")

    def handle(self, *args: Any, **options: Any) -> None:
        organisation = organisation_option(options["organisation"])
        if organisation is None:
            raise CommandError("Give the organisation's slug: --organisation SLUG.")
        actor = acting_user(options["as_user"])
        try:
            training = retrain_coder(actor, organisation, options["framework"])
        except (TrainingProblem, NotAllowed) as problem:
            raise CommandError(str(problem)) from problem
        figures = {
            "organisation": organisation.slug,
            "framework": training.framework_slug,
            "examples": training.examples,
            "zero_shot_accuracy": training.zero_shot_accuracy,
            "learned_accuracy": training.learned_accuracy,
        }
        if options["json"]:
            self.stdout.write(json.dumps(figures))
            return
        self.stdout.write(f"Learnt from {training.examples} accepted outcome codes.")
        if training.learned_accuracy is None or training.zero_shot_accuracy is None:
            self.stdout.write("Too few codes to measure accuracy (10 are needed).")
        else:
            self.stdout.write(
                f"First suggestion right: {training.zero_shot_accuracy:.1%} before, "
                f"{training.learned_accuracy:.1%} after (5-fold cross-validation)."
            )
