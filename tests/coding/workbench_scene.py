"""Builders the workbench tests share: a conversation in a person's own words, consent, a coder
that needs no model."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.utils import timezone

from meaningful.analysis.coding import Suggestion
from meaningful.coding.models import Code, CodeKind
from meaningful.conversations.models import Conversation
from meaningful.conversations.services import OutcomeInput, record_conversation
from meaningful.demo.factories import Personas
from meaningful.frameworks.models import Framework
from meaningful.people.models import Person
from meaningful.people.services import record_consent

STORY = "Agnes told me about her week. She goes to Morrisons with Jean every Tuesday."
SEEING = "I want to see my sister Jean more. The bus is hard to get on."
SAFE = "I feel safe at home now the door has a chain. I worry about falling at night."


def spoken(personas: Personas, person: Person) -> Conversation:
    """A conversation with a story and two outcome records written in the person's words."""
    framework = Framework.objects.get(slug="talking-points-service-users", version="1")
    return record_conversation(
        personas.owner,
        person,
        framework=framework,
        kind="baseline",
        held_on=timezone.localdate() - timedelta(days=2),
        story=STORY,
        records=[
            OutcomeInput(outcome="seeing-people", what_matters=SEEING, working="Jean phones me."),
            OutcomeInput(outcome="feeling-safe", what_matters=SAFE),
        ],
    )


def consent_to_quotes(personas: Personas, person: Person) -> None:
    record_consent(
        personas.owner,
        person,
        "share-anonymised-quotes",
        given_on=timezone.localdate() - timedelta(days=1),
    )


def outcome_code(personas: Personas, outcome: str) -> Code:
    from meaningful.coding.codebook_services import ensure_outcome_codes

    ensure_outcome_codes(personas.organisation)
    return Code.objects.get(
        organisation=personas.organisation, kind=CodeKind.OUTCOME, outcome_code=outcome
    )


def key_of(conversation: Conversation, outcome: str, field: str) -> str:
    record = conversation.records.get(outcome__code=outcome)
    return f"{record.pk}-{field}"


@dataclass
class KeywordCoder:
    """Stands in for the embedding model: suggests an outcome when a passage has its word."""

    words: dict[str, str]
    calls: int = 0

    def suggest(self, texts: list[str], top: int = 3) -> list[list[Suggestion]]:
        self.calls += 1
        found = []
        for text in texts:
            hits = [code for word, code in self.words.items() if word in text.lower()]
            found.append([Suggestion(code, 0.6) for code in hits[:top]])
        return found


class KeywordCoders:
    """A Coders for tests: the same keyword coder for every conversation."""

    def __init__(self, coder: KeywordCoder) -> None:
        self.coder = coder

    def for_conversation(self, conversation: Conversation) -> KeywordCoder:
        return self.coder
