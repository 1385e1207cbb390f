"""Recording many conversations already agreed elsewhere: the per-record rules, written in bulk.

An import brings conversations that were agreed with the person in another system. Recording
them one by one through record_conversation, create_plan and agree_conversation costs dozens of
queries each; this path checks the same rules once per team and once per person, then writes
the same rows, revisions and audit events with a handful of bulk inserts.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from django.db import transaction

from meaningful.accounts.access import care_teams, reachable_people
from meaningful.accounts.models import Team, User
from meaningful.audit.services import EventInput, keep_revisions, record_events
from meaningful.bulk_insert import insert_objects, insert_rows
from meaningful.conversations.models import Conversation, ConversationStatus, OutcomeRecord
from meaningful.conversations.services import (
    LEVEL_FIELDS,
    OFF_CASELOAD,
    TEAM_WITHOUT_PERSON,
    TEXT_FIELDS,
    OutcomeInput,
    RecordRules,
    checked_records,
)
from meaningful.errors import NotAllowed, NotFound
from meaningful.frameworks.models import Framework, Level, Scale
from meaningful.people.models import Allocation
from meaningful.plans.services import ActionInput, AgreedPlanInput, start_agreed_plans
from meaningful.reports.refresh import refresh_people

_IN_CHUNKS = 900  # stays under SQLite's limit on query parameters
_RECORD_VALUES = (*TEXT_FIELDS, "outcome_type", "contributions", *LEVEL_FIELDS)
_RECORD_COLUMNS = (
    *TEXT_FIELDS,
    "outcome_type",
    "contributions",
    *[f"{n}_id" for n in LEVEL_FIELDS],
)


def _stored(value: object) -> object:
    return value.pk if isinstance(value, Level) else value


@dataclass
class AgreedConversation:
    """One conversation for record_agreed_conversations, with the actions of its draft plan."""

    person_id: uuid.UUID
    team: Team
    held_on: date
    kind: str
    records: list[OutcomeInput]
    participants: str = ""
    actions: list[ActionInput] = field(default_factory=list)


def recording_refusals(
    actor: User, places: Sequence[tuple[uuid.UUID, int]]
) -> list[NotFound | NotAllowed | None]:
    """For each (person id, team id), what record_conversation would refuse with there, or None."""
    teams = set(care_teams(actor).values_list("pk", flat=True))
    people = sorted({person for person, _ in places})
    reachable: set[uuid.UUID] = set()
    allocated: set[tuple[uuid.UUID, int]] = set()
    for start in range(0, len(people), _IN_CHUNKS):
        chunk = people[start : start + _IN_CHUNKS]
        reachable.update(reachable_people(actor).filter(pk__in=chunk).values_list("pk", flat=True))
        allocated.update(
            Allocation.objects.filter(person_id__in=chunk, ended_on__isnull=True).values_list(
                "person_id", "team_id"
            )
        )
    refusals: list[NotFound | NotAllowed | None] = []
    for person, team in places:
        if person not in reachable:
            refusals.append(NotFound(OFF_CASELOAD))
        elif team not in teams or (person, team) not in allocated:
            refusals.append(NotAllowed(TEAM_WITHOUT_PERSON))
        else:
            refusals.append(None)
    return refusals


def record_agreed_conversations(
    actor: User,
    *,
    framework: Framework,
    scale: Scale,
    conversations: Sequence[AgreedConversation],
) -> list[Conversation]:
    """Record agreed conversations with their plans as the one-by-one services would; all or none.

    Every conversation is checked (caseload, team, outcomes, levels, dates) before any write.
    The result is what record_conversation, create_plan(draft=True) and agree_conversation
    leave for each in turn: the same rows, the draft version kept as a revision, and the
    conversation.record, conversation.agree and plan events on the audit chain.
    """
    places = [(item.person_id, item.team.pk) for item in conversations]
    for refusal in recording_refusals(actor, places):
        if refusal is not None:
            raise refusal
    rules = RecordRules(framework, scale)
    prepared = [
        checked_records(
            rules,
            held_on=item.held_on,
            kind=item.kind,
            records=item.records,
            texts={"participants": item.participants},
            where=f"conversations[{index}].",
        )
        for index, item in enumerate(conversations)
    ]
    built = [
        Conversation(
            person_id=item.person_id,
            held_on=item.held_on,
            kind=item.kind,
            framework=framework,
            scale=scale,
            practitioner=actor,
            team=item.team,
            participants=item.participants.strip(),
            status=ConversationStatus.AGREED,
            version=2,
        )
        for item in conversations
    ]
    label = f"{framework.slug}@{framework.version}"
    with transaction.atomic():
        insert_objects(built)
        insert_rows(
            OutcomeRecord,
            ("conversation_id", "outcome_id", *_RECORD_COLUMNS),
            (
                (conversation.pk, outcome.pk, *[_stored(values[name]) for name in _RECORD_VALUES])
                for conversation, pairs in zip(built, prepared, strict=True)
                for outcome, values in pairs
            ),
        )
        record_events(
            actor,
            [
                EventInput(
                    "conversation.record",
                    conversation,
                    person_id=conversation.person_id,
                    detail={"kind": conversation.kind, "framework": label, "outcomes": len(pairs)},
                )
                for conversation, pairs in zip(built, prepared, strict=True)
            ],
        )
        drafted = {"status": ConversationStatus.DRAFT, "version": 1}
        keep_revisions(
            [(conversation, drafted) for conversation in built],
            actor=actor,
            reason="agreed with the person",
        )
        record_events(
            actor,
            [
                EventInput("conversation.agree", conversation, person_id=conversation.person_id)
                for conversation in built
            ],
        )
        start_agreed_plans(
            actor,
            [
                AgreedPlanInput(
                    conversation, {outcome.code: outcome for outcome, _ in pairs}, item.actions
                )
                for conversation, pairs, item in zip(built, prepared, conversations, strict=True)
            ],
        )
        refresh_people({conversation.person_id for conversation in built})
    return built
