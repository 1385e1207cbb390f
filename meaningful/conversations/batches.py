"""Recording many conversations already agreed elsewhere: the per-record rules, written in bulk.

An import brings conversations that were agreed with the person in another system. Recording
them one by one through record_conversation, create_plan and agree_conversation costs dozens of
queries each; this path checks the same rules once per team and once per person, then writes
the same rows, revisions and audit events with a handful of bulk inserts. Each conversation is
checked once, by check_content, and written from what that check returned.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from json.encoder import encode_basestring_ascii
from operator import attrgetter
from typing import Any

from django.db import transaction
from django.utils import timezone

from meaningful.accounts.access import care_teams, reachable_people
from meaningful.accounts.models import Team, User
from meaningful.audit.services import EventInput, RecordRef, keep_snapshots, record_events
from meaningful.bulk_insert import JsonText, insert_rows
from meaningful.conversations.models import (
    Conversation,
    ConversationKind,
    ConversationStatus,
    OutcomeRecord,
)
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
from meaningful.frameworks.models import Level, Outcome
from meaningful.people.models import Allocation
from meaningful.plans.services import ActionInput, AgreedPlanInput, start_agreed_plans
from meaningful.reports.refresh import refresh_people
from meaningful.search.index import indexed_in_bulk

_IN_CHUNKS = 900  # stays under SQLite's limit on query parameters
_RECORD_COLUMNS = (
    *TEXT_FIELDS,
    "outcome_type",
    "contributions",
    *[f"{n}_id" for n in LEVEL_FIELDS],
)


def _stored(value: object) -> object:
    return value.pk if isinstance(value, Level) else value


@dataclass(frozen=True)
class CheckedContent:
    """What a conversation recorded, as check_content accepted it against one framework and scale."""

    rules: RecordRules
    held_on: date
    kind: str
    participants: str
    records: list[tuple[Outcome, dict[str, Any]]]


def check_content(
    rules: RecordRules,
    *,
    held_on: date,
    kind: str,
    records: list[OutcomeInput],
    participants: str = "",
    where: str = "",
) -> CheckedContent:
    """Check what a conversation recorded as record_conversation does; raise InvalidInput if wrong."""
    checked = checked_records(
        rules,
        held_on=held_on,
        kind=kind,
        records=records,
        texts={"participants": participants},
        where=where,
    )
    return CheckedContent(rules, held_on, kind, participants.strip(), checked)


@dataclass
class AgreedConversation:
    """One conversation for record_agreed_conversations: whose, which team's, what, and its actions."""

    person_id: uuid.UUID
    team: Team
    content: CheckedContent
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
    actor: User, conversations: Sequence[AgreedConversation]
) -> list[uuid.UUID]:
    """Record agreed conversations with their plans as the one-by-one services would; all or none.

    The caseload and team of every conversation are checked before any write; their content was
    checked once, by check_content, against one framework and scale. The result is what
    record_conversation, create_plan(draft=True) and agree_conversation leave for each in turn:
    the same rows, the draft version kept as a revision, and the conversation.record,
    conversation.agree and plan events on the audit chain. Returns the new conversations' ids.
    """
    if not conversations:
        return []
    rules = conversations[0].content.rules
    if any(item.content.rules is not rules for item in conversations):
        raise ValueError("Record conversations checked against one framework and scale at once.")
    items = [item.content for item in conversations]
    places = [(item.person_id, item.team.pk) for item in conversations]
    for refusal in recording_refusals(actor, places):
        if refusal is not None:
            raise refusal
    # Random ids as ever, handed out in ascending order: the indexes that hold them then grow
    # in one place instead of everywhere at once, a fifth off the inserts of a large batch.
    # (Sorted by number: UUID's own comparison is written in Python.)
    ids = sorted((uuid.uuid4() for _ in items), key=attrgetter("int"))
    now = timezone.now()
    rows = [
        (pk, place.person_id, item.held_on, item.kind, place.team.pk, item.participants)
        for pk, place, item in zip(ids, conversations, items, strict=True)
    ]
    same = {
        "framework_id": rules.framework.pk,
        "scale_id": rules.scale.pk,
        "practitioner_id": actor.pk,
        "status": ConversationStatus.AGREED.value,
        "version": 2,
        "created_at": now,
        "updated_at": now,
    }
    framework = rules.framework
    label = f"{framework.slug}@{framework.version}"
    kind = Conversation._meta.label_lower
    refs = [RecordRef(kind, str(pk)) for pk in ids]
    with transaction.atomic():
        with indexed_in_bulk():
            insert_rows(Conversation, _CONVERSATION_COLUMNS, rows, same=same)
            insert_rows(
                OutcomeRecord,
                ("conversation_id", "outcome_id", *_RECORD_COLUMNS),
                _records(ids, items),
            )
        record_events(
            actor,
            [
                EventInput(
                    "conversation.record",
                    ref,
                    person_id=place.person_id,
                    detail={"kind": item.kind, "framework": label, "outcomes": len(item.records)},
                )
                for ref, place, item in zip(refs, conversations, items, strict=True)
            ],
        )
        keep_snapshots(
            kind,
            (
                (ref.object_id, 1, _draft_snapshot(row, ref.object_id, same))
                for ref, row in zip(refs, rows, strict=True)
            ),
            actor=actor,
            reason="agreed with the person",
        )
        record_events(
            actor,
            [
                EventInput("conversation.agree", ref, person_id=place.person_id)
                for ref, place in zip(refs, conversations, strict=True)
            ],
        )
        start_agreed_plans(actor, _plans(actor, ids, conversations))
        refresh_people({place.person_id for place in conversations})
    return ids


_CONVERSATION_COLUMNS = ("id", "person_id", "held_on", "kind", "team_id", "participants")


def _draft_snapshot(row: tuple[Any, ...], pk: str, same: dict[str, Any]) -> JsonText:
    """What snapshot() returns for a conversation row before it was agreed (a version 1 draft), as JSON.

    The keys and values are those of the row; only the kind and participants are free text, so
    only they need escaping.
    """
    _, person, held_on, kind, team, participants = row
    at = same["created_at"].isoformat()
    return JsonText(
        f'{{"id":"{pk}","person_id":"{person}","held_on":"{held_on.isoformat()}",'
        f'"kind":{encode_basestring_ascii(kind)},"framework_id":{same["framework_id"]},'
        f'"scale_id":{same["scale_id"]},"practitioner_id":{same["practitioner_id"]},'
        f'"team_id":{team},"participants":{encode_basestring_ascii(participants)},"story":"",'
        f'"status":"{ConversationStatus.DRAFT.value}","next_review_due":null,'
        f'"created_at":"{at}","updated_at":"{at}","version":1}}'
    )


def _records(ids: list[uuid.UUID], items: list[CheckedContent]) -> Iterator[tuple[Any, ...]]:
    contributions: dict[tuple[str, ...], JsonText] = {}
    for pk, item in zip(ids, items, strict=True):
        for outcome, values in item.records:
            given = tuple(values["contributions"])
            if given not in contributions:
                contributions[given] = JsonText(json.dumps(list(given)))
            yield (
                pk,
                outcome.pk,
                *[values[name] for name in TEXT_FIELDS],
                values["outcome_type"],
                contributions[given],
                *[_stored(values[name]) for name in LEVEL_FIELDS],
            )


def _plans(
    actor: User, ids: list[uuid.UUID], conversations: Sequence[AgreedConversation]
) -> list[AgreedPlanInput]:
    """The conversations that start or end a plan; the others leave the active plan as it is."""
    return [
        AgreedPlanInput(
            Conversation(
                id=pk, person_id=item.person_id, held_on=content.held_on, kind=content.kind,
                framework=content.rules.framework, scale=content.rules.scale, practitioner=actor,
                team=item.team, participants=content.participants,
                status=ConversationStatus.AGREED, version=2,
            ),
            {outcome.code: outcome for outcome, _ in content.records},
            item.actions,
        )
        for pk, item in zip(ids, conversations, strict=True)
        for content in [item.content]
        if item.actions or content.kind == ConversationKind.EXIT
    ]  # fmt: skip
