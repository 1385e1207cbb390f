"""Reading coded narratives: a conversation with its coded passages and suggestions, every
passage of a code in context, one passage with its memos. Each read is audited, naming every
person whose words were shown; pseudonymised viewers get pseudonymised words and memos.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from meaningful.accounts.models import User
from meaningful.analysis.anonymise import anonymise
from meaningful.audit.services import EventInput, record_event, record_events
from meaningful.coding.models import Code, CodedSegment, CodingCompletion, Memo, Origin
from meaningful.coding.scope import (
    codable_conversation,
    codable_conversations,
    identifiable_people,
)
from meaningful.coding.services import (
    PURPOSE,
    conversation_narratives,
    segment_of,
    shows_pseudonymised,
)
from meaningful.coding.texts import (
    Context,
    Narrative,
    OffsetMap,
    Piece,
    context_of,
    is_current,
    names_to_hide,
    narrative_key,
    pieces_of,
)
from meaningful.conversations.models import Conversation
from meaningful.interop.tabular.export import pseudonym

MOST_PASSAGES = 300  # passages listed for one code on one page


def person_label(conversation: Conversation, pseudonymised: bool) -> str:
    """The person's name, or their pseudonym for a pseudonymised viewer."""
    if pseudonymised:
        return f"Person {pseudonym(conversation.person_id)}"
    return conversation.person.display_name


@dataclass
class Passage:
    """A coded passage or suggestion placed on the text its viewer sees."""

    segment: CodedSegment
    narrative: Narrative
    current: bool
    start: int = 0
    end: int = 0
    context: Context | None = None


def place(segment: CodedSegment, narrative: Narrative) -> Passage:
    """Where a passage sits on the shown text, or that its text changed since it was coded."""
    if not is_current(narrative.stored, segment.start, segment.end, segment.text_hash):
        return Passage(segment, narrative, current=False)
    start, end = narrative.offsets.to_shown(segment.start, segment.end)
    return Passage(segment, narrative, True, start, end, context_of(narrative.shown, start, end))


@dataclass
class TextView:
    """One text of a conversation with its coded passages and the suggestions waiting."""

    narrative: Narrative
    pieces: list[Piece]
    passages: list[Passage] = field(default_factory=list)
    suggestions: list[Passage] = field(default_factory=list)


@dataclass
class NarrativePage:
    conversation: Conversation
    pseudonymised: bool
    person: str
    texts: list[TextView]
    finished: bool
    only_mine: bool


def _segment_key(segment: CodedSegment) -> str:
    return narrative_key(segment.record_id, segment.field)


def _decided_by(actor: User, conversation: Conversation) -> set[tuple[object, ...]]:
    rows = CodedSegment.objects.filter(conversation=conversation, coder=actor, origin=Origin.MODEL)
    return {(s.record_id, s.field, s.start, s.end, s.code_id) for s in rows}


def _waiting_for(actor: User, suggestion: Passage, mine: list[Passage], decided: set[Any]) -> bool:
    s = suggestion.segment
    if not suggestion.current or (s.record_id, s.field, s.start, s.end, s.code_id) in decided:
        return False
    return not any(
        p.segment.code_id == s.code_id and p.segment.start < s.end and s.start < p.segment.end
        for p in mine
    )


def read_narrative(
    actor: User, conversation_id: object, *, only_mine: bool = False
) -> NarrativePage:
    """A conversation's texts with their coded passages and the suggestions still to decide."""
    conversation = codable_conversation(actor, conversation_id)
    pseudonymised = shows_pseudonymised(actor, conversation)
    narratives = {
        n.key: n for n in conversation_narratives(actor, conversation, pseudonymised=pseudonymised)
    }
    segments = CodedSegment.objects.filter(conversation=conversation).select_related(
        "code", "coder"
    )
    decided = _decided_by(actor, conversation)
    by_key: dict[str, list[Passage]] = defaultdict(list)
    waiting: dict[str, list[Passage]] = defaultdict(list)
    for segment in segments:
        narrative = narratives.get(_segment_key(segment))
        if narrative is None:
            continue
        if segment.is_waiting:
            waiting[narrative.key].append(place(segment, narrative))
        elif segment.accepted and (not only_mine or segment.coder_id == actor.pk):
            by_key[narrative.key].append(place(segment, narrative))
    texts = []
    for key, narrative in narratives.items():
        passages = by_key[key]
        mine = [p for p in passages if p.segment.coder_id == actor.pk]
        suggestions = [p for p in waiting[key] if _waiting_for(actor, p, mine, decided)]
        suggestions.sort(key=lambda p: (p.start, -(p.segment.confidence or 0)))
        marks = [(p.start, p.end) for p in passages if p.current]
        texts.append(TextView(narrative, pieces_of(narrative.shown, marks), passages, suggestions))
    record_event(
        actor,
        "coding.narrative.read",
        conversation,
        person_id=conversation.person_id,
        purpose=PURPOSE,
        detail={"shown": "pseudonymised" if pseudonymised else "as recorded"},
    )
    finished = CodingCompletion.objects.filter(conversation=conversation, coder=actor).exists()
    return NarrativePage(
        conversation,
        pseudonymised,
        person_label(conversation, pseudonymised),
        texts,
        finished,
        only_mine,
    )


@dataclass
class ListedPassage:
    passage: Passage
    conversation: Conversation
    person: str


def show_passages(
    actor: User, segments: Iterable[CodedSegment], *, action: str, detail: dict[str, object]
) -> list[ListedPassage]:
    """Place passages from many conversations on the texts the actor sees, auditing one read
    per person shown."""
    by_conversation: dict[object, list[CodedSegment]] = defaultdict(list)
    for segment in segments:
        by_conversation[segment.conversation_id].append(segment)
    conversations = codable_conversations(actor).select_related("person", "practitioner")
    listed: list[ListedPassage] = []
    events: list[EventInput] = []
    as_recorded = identifiable_people(actor)
    for conversation in conversations.filter(pk__in=list(by_conversation)).order_by(
        "-held_on", "pk"
    ):
        pseudonymised = conversation.person_id not in as_recorded
        narratives = {
            n.key: n
            for n in conversation_narratives(actor, conversation, pseudonymised=pseudonymised)
        }
        label = person_label(conversation, pseudonymised)
        for segment in by_conversation[conversation.pk]:
            narrative = narratives.get(_segment_key(segment))
            if narrative is not None:
                listed.append(ListedPassage(place(segment, narrative), conversation, label))
        events.append(EventInput(action, conversation, conversation.person_id, detail))
    record_events(actor, events)
    return listed


def passages_of_code(actor: User, code: Code) -> tuple[list[ListedPassage], int]:
    """Every passage coded with this code that the actor may read, in context; and how many
    there are in all (the page lists at most MOST_PASSAGES)."""
    segments = (
        CodedSegment.objects.filter(
            code=code, accepted=True, conversation__in=codable_conversations(actor)
        )
        .select_related("code", "coder")
        .order_by("-conversation__held_on", "conversation_id", "field", "start")
    )
    total = segments.count()
    listed = show_passages(
        actor,
        segments[:MOST_PASSAGES],
        action="coding.code.passages.read",
        detail={"code": code.pk},
    )
    return listed, total


@dataclass
class SegmentPage:
    listed: ListedPassage
    memos: list[tuple[Memo, str]]
    can_remove: bool


def read_segment(actor: User, segment_id: object) -> SegmentPage:
    """One coded passage in context with its memos, pseudonymised for pseudonymised viewers."""
    segment = segment_of(actor, segment_id)
    conversation = segment.conversation
    pseudonymised = shows_pseudonymised(actor, conversation)
    narratives = {
        n.key: n for n in conversation_narratives(actor, conversation, pseudonymised=pseudonymised)
    }
    narrative = narratives.get(_segment_key(segment))
    if narrative is None:  # the text was emptied since it was coded
        narrative = Narrative(
            _segment_key(segment),
            segment.record,
            segment.field,
            segment.get_field_display(),
            "",
            "",
            OffsetMap("", ""),
        )
    hide = names_to_hide(conversation) if pseudonymised else []
    memos = [
        (memo, anonymise(memo.text, hide) if pseudonymised else memo.text)
        for memo in segment.memos.select_related("author")
    ]
    record_event(
        actor,
        "coding.segment.read",
        segment,
        person_id=conversation.person_id,
        purpose=PURPOSE,
    )
    listed = ListedPassage(
        place(segment, narrative), conversation, person_label(conversation, pseudonymised)
    )
    can_remove = segment.coder_id == actor.pk and segment.accepted is True
    return SegmentPage(listed, memos, can_remove)
