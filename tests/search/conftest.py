"""A caseload with things to find: people on two teams, with and without consent to quote."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pytest
from django.utils import timezone

from meaningful.conversations.models import Conversation
from meaningful.conversations.services import (
    OutcomeInput,
    agree_conversation,
    record_conversation,
)
from meaningful.demo.factories import Personas, make_person
from meaningful.frameworks.models import Framework
from meaningful.people.models import Person
from meaningful.people.services import record_consent
from meaningful.search.query import parse_query
from meaningful.search.services import Criteria


def say(
    personas: Personas,
    person: Person,
    *,
    actor: object = None,
    story: str = "",
    held_on: date | None = None,
    **words: str,
) -> Conversation:
    """Record a conversation in which the person said these words about seeing people."""
    framework = Framework.objects.get(slug="talking-points-service-users", version="1")
    return record_conversation(
        actor or personas.owner,  # type: ignore[arg-type]
        person,
        framework=framework,
        kind="baseline",
        held_on=held_on or timezone.localdate() - timedelta(days=3),
        records=[OutcomeInput("seeing-people", **words)],  # type: ignore[arg-type]
        story=story,
    )


def say_and_agree(personas: Personas, person: Person, **said: Any) -> Conversation:
    """As `say`, then agreed with the person by whoever recorded it."""
    conversation = say(personas, person, **said)
    return agree_conversation(said.get("actor") or personas.owner, conversation)


def criteria(text: str, **filters: object) -> Criteria:
    return Criteria(query=parse_query(text), **filters)  # type: ignore[arg-type]


@dataclass
class Caseload:
    personas: Personas
    agnes: Person  # North, agreed to share quotes
    bill: Person  # North, never agreed
    sheena: Person  # South, agreed to share quotes


@pytest.fixture
def caseload(personas: Personas) -> Caseload:
    agnes = make_person(personas.owner, personas.team, given_name="Agnes", family_name="Millar")
    bill = make_person(personas.owner, personas.team, given_name="Bill", family_name="Doig")
    sheena = make_person(
        personas.outsider, personas.other_team, given_name="Sheena", family_name="Rattray"
    )
    long_ago = timezone.localdate() - timedelta(days=400)
    for person, actor in ((agnes, personas.owner), (sheena, personas.outsider)):
        record_consent(actor, person, "share-anonymised-quotes", given_on=long_ago)
    say(
        personas,
        agnes,
        what_matters="Getting to the lunch club on Thursdays",
        working="My neighbour Jean walks with me to the bus",
        story="Agnes talked about walking again after her fall.",
    )
    say(personas, bill, what_matters="I want to keep walking my dog in the park")
    say(
        personas,
        sheena,
        actor=personas.outsider,
        what_matters="Walking to the shops on my own",
        not_working="The lift in the flats is always broken",
    )
    return Caseload(personas, agnes, bill, sheena)
