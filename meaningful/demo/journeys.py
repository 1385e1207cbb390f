"""A person's made-up journey: a baseline, reviews over months, ratings that move plausibly."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta

from meaningful.conversations.services import OutcomeInput
from meaningful.demo.phrases import outcome_phrases, phrasebook, pick
from meaningful.plans.services import ActionInput

# Scale ranks for met-partly-not: 1 not met, 2 partly met, 3 met.
LEVEL_BY_RANK = {1: "not-met", 2: "partly-met", 3: "met"}
START_WEIGHTS = {"change": [50, 40, 10], "maintain": [20, 45, 35], "process": [15, 35, 50]}
# Trend -> weights for a step of -1, 0, +1 at each review.
TRENDS = {"improving": [5, 40, 55], "steady": [10, 80, 10], "declining": [50, 40, 10]}
TREND_WEIGHTS = {"change": [50, 30, 20], "maintain": [25, 60, 15], "process": [30, 55, 15]}
CONTRIBUTORS = ["person", "family-community", "services"]


@dataclass
class OutcomeThread:
    """One outcome followed across a person's conversations."""

    code: str
    outcome_type: str
    trend: str
    rank: int
    what_matters: str
    why: str
    quality: str  # good, partial or service-led


@dataclass
class Journey:
    """The plan for one person's conversations: dates and the outcomes followed."""

    dates: list[date]
    exits: bool
    threads: list[OutcomeThread] = field(default_factory=list)


def plan_dates(rng: random.Random, today: date) -> tuple[list[date], bool]:
    """Choose a baseline in the last 18 months and up to three reviews about 4 to 7 months apart."""
    baseline = today - timedelta(days=rng.randint(45, 540))
    dates = [baseline]
    never_reviewed = rng.random() < 0.15
    while not never_reviewed and len(dates) < 4:
        following = dates[-1] + timedelta(days=rng.randint(100, 200))
        if following > today:
            break
        dates.append(following)
    exits = len(dates) >= 3 and rng.random() < 0.12
    return dates, exits


def start_threads(
    rng: random.Random, outcomes: list[tuple[str, str]], slots: dict[str, str]
) -> list[OutcomeThread]:
    """Pick the three to six outcomes that matter to this person and how each will go."""
    chosen = rng.sample(outcomes, k=min(len(outcomes), rng.randint(3, 6)))
    threads = []
    for code, outcome_type in chosen:
        phrases = outcome_phrases(code)
        quality = rng.choices(["good", "partial", "service-led"], weights=[78, 12, 10])[0]
        what = (
            rng.choice(phrasebook()["service_led"])
            if quality == "service-led"
            else pick(rng, phrases["what_matters"], slots)
        )
        threads.append(
            OutcomeThread(
                code=code,
                outcome_type=outcome_type,
                trend=rng.choices(list(TRENDS), weights=TREND_WEIGHTS[outcome_type])[0],
                rank=rng.choices([1, 2, 3], weights=START_WEIGHTS[outcome_type])[0],
                what_matters=what,
                why="" if quality == "service-led" else pick(rng, phrases["why"], slots),
                quality=quality,
            )
        )
    return threads


def _nearby(rng: random.Random, rank: int, agree: float) -> int:
    if rng.random() < agree:
        return rank
    return max(1, min(3, rank + rng.choice([-1, 1])))


def record_for(
    rng: random.Random, thread: OutcomeThread, step: int, slots: dict[str, str]
) -> tuple[OutcomeInput, str]:
    """Return what is recorded for an outcome at conversation ``step``, and its direction."""
    direction = "same"
    if step > 0:
        moved = thread.rank + rng.choices([-1, 0, 1], weights=TRENDS[thread.trend])[0]
        moved = max(1, min(3, moved))
        direction = "better" if moved > thread.rank else "worse" if moved < thread.rank else "same"
        thread.rank = moved
    phrases = outcome_phrases(thread.code)
    working = pick(rng, phrases["working"], slots)
    not_working = pick(rng, phrases["not_working"], slots)
    if step > 0:
        change = pick(rng, phrases[f"review_{direction}"], slots)
        if direction == "worse":
            not_working = f"{change} {not_working}"
        else:
            working = f"{change} {working}"
    if thread.quality == "service-led":
        working, not_working = rng.choice(phrasebook()["service_led"]), ""
    elif thread.quality == "partial":
        working, not_working = (working, "") if rng.random() < 0.5 else ("", not_working)
    contributions = (
        ["services"]
        if thread.quality == "service-led"
        else sorted(rng.sample(CONTRIBUTORS, k=rng.randint(1, 3)))
    )
    agreed = None if rng.random() < 0.04 else LEVEL_BY_RANK[thread.rank]
    return (
        OutcomeInput(
            outcome=thread.code,
            what_matters=thread.what_matters,
            why_it_matters=thread.why,
            working=working,
            not_working=not_working,
            outcome_type=thread.outcome_type,
            contributions=contributions,
            worker_level=LEVEL_BY_RANK[_nearby(rng, thread.rank, 0.8)],
            person_level=LEVEL_BY_RANK[_nearby(rng, thread.rank, 0.75)],
            agreed_level=agreed,
        ),
        direction,
    )


def actions_for(
    rng: random.Random,
    threads: list[OutcomeThread],
    held_on: date,
    slots: dict[str, str],
    team_name: str,
) -> list[ActionInput]:
    """Agree one or two actions for some outcomes, each with an owner and a due date."""
    actions = []
    for thread in threads:
        if rng.random() > 0.6:
            continue
        for item in rng.sample(outcome_phrases(thread.code)["actions"], k=rng.randint(1, 2)):
            owner = item["owner"]
            owner_name = {
                "person": slots["first_name"],
                "family-community": _capitalise(slots["relative"].removeprefix("my ")),
                "service": team_name,
            }[owner]
            actions.append(
                ActionInput(
                    description=pick(rng, [item["text"]], slots),
                    owner=owner,
                    outcome=thread.code,
                    owner_name=owner_name,
                    due_on=held_on + timedelta(days=rng.randint(21, 120)),
                )
            )
    return actions


def _capitalise(text: str) -> str:
    """Upper-case the first letter only, so 'neighbour Jean' becomes 'Neighbour Jean'."""
    return text[:1].upper() + text[1:]
