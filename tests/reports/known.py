"""A small organisation whose report figures are worked out by hand in the tests."""

from __future__ import annotations

from datetime import date

from meaningful.accounts.models import User
from meaningful.conversations.services import OutcomeInput, agree_conversation, record_conversation
from meaningful.demo.factories import Personas, make_person
from meaningful.frameworks.models import Framework
from meaningful.people.models import Person

BASELINE, REVIEW = date(2026, 2, 1), date(2026, 8, 1)


def talk(
    actor: User, person: Person, held_on: date, kind: str, levels: dict[str, str], due: date | None
) -> None:
    framework = Framework.objects.get(slug="talking-points-service-users", version="1")
    conversation = record_conversation(
        actor,
        person,
        framework=framework,
        held_on=held_on,
        kind=kind,
        next_review_due=due,
        records=[
            OutcomeInput(
                outcome=code,
                what_matters=f"{person.given_name} said: I want to feel better about "
                f"{code.replace('-', ' ')} since my move to Arbroath in May 2025",
                working="My neighbour looks in",
                agreed_level=level,
            )
            for code, level in levels.items()
        ],
    )
    agree_conversation(actor, conversation)


def build_known_organisation(personas: Personas) -> None:
    """North: ten people, eight reviewed; South: two people, not reviewed.

    Feeling safe, baseline -> review: P1-P4 not met -> met, P5 not met -> not met,
    P6 partly -> partly, P7 partly -> not met, P8 partly -> met; P9, P10 partly, no review.
    Seeing people: partly at baseline and at review for everyone.
    South: Q1, Q2 feeling safe met at baseline (1 March), no review.
    """
    safe_before = ["not-met"] * 5 + ["partly-met"] * 5
    safe_after = ["met", "met", "met", "met", "not-met", "partly-met", "not-met", "met"]
    for index in range(10):
        person = make_person(
            personas.owner, personas.team, given_name=f"P{index + 1}", family_name="North"
        )
        before = {"feeling-safe": safe_before[index], "seeing-people": "partly-met"}
        talk(personas.owner, person, BASELINE, "baseline", before, due=REVIEW)
        if index < 8:
            after = {"feeling-safe": safe_after[index], "seeing-people": "partly-met"}
            talk(personas.owner, person, REVIEW, "review", after, due=date(2027, 2, 1))
    for index in range(2):
        person = make_person(
            personas.outsider, personas.other_team, given_name=f"Q{index + 1}", family_name="South"
        )
        talk(
            personas.outsider,
            person,
            date(2026, 3, 1),
            "baseline",
            {"feeling-safe": "met"},
            due=date(2026, 9, 1),
        )
