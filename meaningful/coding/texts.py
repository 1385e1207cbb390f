"""The narratives of a conversation as a coder sees them, and where a passage sits in each.

Offsets are always kept on the text as stored. A coder who sees a pseudonymised text (names,
places and dates replaced by [name], [place], [date]) selects on what they see; the two texts
are aligned word by word, so a passage chosen on either maps onto the other. A passage that
starts or ends inside a replaced name takes in the whole name.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher
from itertools import pairwise

from meaningful.analysis.anonymise import EVERYDAY, anonymise
from meaningful.coding.models import RECORD_FIELDS, NarrativeField
from meaningful.conversations.models import Conversation, OutcomeRecord

CONTEXT = 90  # characters of context either side of a passage in lists
_TOKEN = re.compile(r"\[(?:name|place|date|phone)\]|\w+|\s+|[^\w\s]")
_CAPITALISED = re.compile(r"\b[A-Z][a-z][\w'-]+")
_OPENERS = frozenset('.!?:;"\u201c(')


def text_hash(words: str) -> str:
    """A short hash of coded words: enough to tell that a text changed, too short to reveal it."""
    return hashlib.sha256(words.encode("utf-8", "surrogatepass")).hexdigest()[:16]


@dataclass(frozen=True)
class Block:
    """A stretch of the stored text and the stretch it became: the same words, or replaced."""

    stored: tuple[int, int]
    shown: tuple[int, int]
    same: bool


def _spans(text: str) -> list[tuple[int, int]]:
    return [(m.start(), m.end()) for m in _TOKEN.finditer(text)]


def _edge(spans: list[tuple[int, int]], index: int, length: int) -> int:
    return spans[index][0] if index < len(spans) else length


class OffsetMap:
    """Maps offsets between a stored text and the text shown for it."""

    def __init__(self, stored: str, shown: str) -> None:
        self.identity = stored == shown
        self.blocks: list[Block] = []
        if self.identity:
            return
        left, right = _spans(stored), _spans(shown)
        matcher = SequenceMatcher(
            None, [stored[a:b] for a, b in left], [shown[a:b] for a, b in right], autojunk=False
        )
        for tag, i1, i2, j1, j2 in matcher.get_opcodes():
            self.blocks.append(
                Block(
                    (_edge(left, i1, len(stored)), _edge(left, i2, len(stored))),
                    (_edge(right, j1, len(shown)), _edge(right, j2, len(shown))),
                    tag == "equal",
                )
            )

    def _map(self, position: int, *, to_shown: bool, at_end: bool) -> int:
        if self.identity:
            return position
        for block in self.blocks:
            source, target = (
                (block.stored, block.shown) if to_shown else (block.shown, block.stored)
            )
            if not source[0] <= position <= source[1]:
                continue
            if block.same:
                return target[0] + position - source[0]
            if source[0] < position < source[1]:  # inside a replaced name: take all of it
                return target[1] if at_end else target[0]
            return target[0] if position == source[0] else target[1]
        return position

    def to_shown(self, start: int, end: int) -> tuple[int, int]:
        """The passage [start, end) of the stored text, on the shown text."""
        return self._map(start, to_shown=True, at_end=False), self._map(
            end, to_shown=True, at_end=True
        )

    def to_stored(self, start: int, end: int) -> tuple[int, int]:
        """The passage [start, end) of the shown text, on the stored text."""
        return self._map(start, to_shown=False, at_end=False), self._map(
            end, to_shown=False, at_end=True
        )


@dataclass
class Narrative:
    """One text of a conversation: the story, or one field of one outcome record."""

    key: str
    record: OutcomeRecord | None
    field: str
    heading: str
    stored: str
    shown: str
    offsets: OffsetMap

    @property
    def record_id(self) -> int | None:
        return self.record.pk if self.record is not None else None


def narrative_key(record_id: int | None, field: str) -> str:
    """How a text is named in forms: "story", or "<record id>-<field>"."""
    return "story" if record_id is None else f"{record_id}-{field}"


def _named_mid_sentence(text: str) -> list[str]:
    """Capitalised words that do not start a sentence: names, as the anonymiser reads them."""
    found = []
    for match in _CAPITALISED.finditer(text):
        before = text[: match.start()].rstrip()
        if before and before[-1] not in _OPENERS and match[0] not in EVERYDAY:
            found.append(match[0])
    return found


def names_to_hide(conversation: Conversation) -> list[str]:
    """Names the record holds (the person, their carers, the practitioner, who took part), and
    every word its texts use as a name mid-sentence, so that the same name is caught at the
    start of a sentence or in a memo too."""
    names = conversation.known_names()
    names += _CAPITALISED.findall(conversation.participants)
    texts = [conversation.story]
    for record in conversation.records.all():
        texts += [getattr(record, field) for field in RECORD_FIELDS]
    for text in texts:
        names += _named_mid_sentence(text)
    return [name for name in dict.fromkeys(names) if name]


def narratives_of(
    conversation: Conversation, records: Iterable[OutcomeRecord], *, pseudonymised: bool
) -> list[Narrative]:
    """Every non-empty text of the conversation, story first, then each record's fields."""
    hide = names_to_hide(conversation) if pseudonymised else []
    found: list[Narrative] = []

    def add(record: OutcomeRecord | None, field: str, heading: str, stored: str) -> None:
        if not stored.strip():
            return
        shown = anonymise(stored, hide) if pseudonymised else stored
        found.append(
            Narrative(
                narrative_key(record.pk if record else None, field),
                record,
                field,
                heading,
                stored,
                shown,
                OffsetMap(stored, shown),
            )
        )

    add(None, NarrativeField.STORY, NarrativeField.STORY.label, conversation.story)
    for record in records:
        for field in RECORD_FIELDS:
            label = NarrativeField(field).label
            add(record, field, f"{record.outcome.name}: {label.lower()}", getattr(record, field))
    return found


def is_current(stored: str, start: int, end: int, hashed: str) -> bool:
    """True while the stored text still holds, at [start, end), the words that were coded."""
    return end <= len(stored) and text_hash(stored[start:end]) == hashed


@dataclass(frozen=True)
class Context:
    """A passage as shown, with some words either side."""

    before: str
    passage: str
    after: str


def context_of(shown: str, start: int, end: int, width: int = CONTEXT) -> Context:
    """The passage [start, end) of a shown text with up to ``width`` characters either side."""
    before = shown[max(0, start - width) : start]
    after = shown[end : end + width]
    if start - width > 0:
        before = "\u2026" + before.split(" ", 1)[-1]
    if end + width < len(shown):
        after = after.rsplit(" ", 1)[0] + "\u2026"
    return Context(before, shown[start:end], after)


@dataclass(frozen=True)
class Piece:
    """A stretch of shown text between passage edges and line breaks."""

    at: int
    text: str
    marked: bool
    line_break: bool = False


def pieces_of(shown: str, passages: Sequence[tuple[int, int]]) -> list[Piece]:
    """Cut a shown text at passage edges and line breaks; mark what some passage covers."""
    edges = {0, len(shown)}
    for start, end in passages:
        edges.update((max(0, start), min(len(shown), end)))
    edges.update(i for i, char in enumerate(shown) if char == "\n")
    edges.update(i + 1 for i, char in enumerate(shown) if char == "\n")
    cuts = sorted(edge for edge in edges if 0 <= edge <= len(shown))
    pieces: list[Piece] = []
    for left, right in pairwise(cuts):
        text = shown[left:right]
        if text == "\n":
            pieces.append(Piece(left, text, False, line_break=True))
            continue
        covered = any(start <= left and right <= end for start, end in passages)
        pieces.append(Piece(left, text, covered))
    return pieces
