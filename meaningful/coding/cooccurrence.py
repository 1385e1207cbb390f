"""Which codes are applied together, counted over the conversations a viewer may code.

Three ways for two codes to co-occur, chosen on the page:

- overlapping passages: a passage coded A and a passage coded B share at least one character
  of the same text; the count is the number of texts where that happens;
- the same text: both codes applied anywhere in one text (the story, or one answer of one
  outcome record); the count is the number of such texts;
- the same conversation: both codes applied anywhere in one conversation; the count is the
  number of such conversations.

The diagonal counts the texts (or conversations) with the code at all. Every coder's accepted
codes count; waiting and rejected suggestions do not.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import combinations

from django.db import models

from meaningful.accounts.models import User
from meaningful.audit.services import record_event
from meaningful.coding.codebook_services import codebook_entries
from meaningful.coding.models import Code, CodedSegment
from meaningful.coding.scope import codable_conversations, coding_organisation
from meaningful.coding.services import PURPOSE


class Basis(models.TextChoices):
    OVERLAP = "overlap", "Overlapping passages"
    TEXT = "text", "The same text"
    CONVERSATION = "conversation", "The same conversation"


@dataclass(frozen=True)
class Span:
    """One accepted code on a passage: which conversation and text, which code, where."""

    conversation: object
    text: str
    code: int
    start: int
    end: int


Counts = dict[tuple[int, int], int]


def count_together(spans: Iterable[Span], basis: str) -> Counts:
    """Count, for each pair of codes (a, b) and each code with itself (a, a), the units in
    which they occur together on the given basis; the result holds (a, b) and (b, a)."""
    groups: dict[tuple[object, str], list[Span]] = defaultdict(list)
    for span in spans:
        unit = (span.conversation, "" if basis == Basis.CONVERSATION else span.text)
        groups[unit].append(span)
    counts: Counts = defaultdict(int)
    for members in groups.values():
        present = {span.code for span in members}
        if basis == Basis.OVERLAP:
            pairs = {
                (a.code, b.code)
                for a, b in combinations(members, 2)
                if a.code != b.code and a.text == b.text and a.start < b.end and b.start < a.end
            }
        else:
            pairs = {(a, b) for a, b in combinations(sorted(present), 2)}
        together = {tuple(sorted(pair)) for pair in pairs}
        for a, b in together:
            counts[(a, b)] += 1
            counts[(b, a)] += 1
        for code in present:
            counts[(code, code)] += 1
    return dict(counts)


@dataclass(frozen=True)
class Matrix:
    """A co-occurrence table: codes in codebook order, counts[i][j] for codes i and j."""

    basis: str
    codes: list[Code]
    counts: list[list[int]]
    conversations: int


def cooccurrence(actor: User, basis: str, *, download: bool = False) -> Matrix:
    """The co-occurrence table over every conversation the actor may code; audited (counts only)."""
    organisation = coding_organisation(actor)
    segments = CodedSegment.objects.filter(
        accepted=True,
        code__organisation=organisation,
        conversation__in=codable_conversations(actor),
    ).values_list("conversation_id", "record_id", "field", "code_id", "start", "end")
    spans = [
        Span(conversation, f"{record}-{field}", code, start, end)
        for conversation, record, field, code, start, end in segments
    ]
    counts = count_together(spans, basis)
    used = {a for a, _ in counts}
    codes = [entry.code for entry in codebook_entries(organisation) if entry.code.pk in used]
    table = [[counts.get((row.pk, column.pk), 0) for column in codes] for row in codes]
    conversations = len({span.conversation for span in spans})
    record_event(
        actor,
        "coding.cooccurrence.download" if download else "coding.cooccurrence.read",
        organisation,
        purpose=PURPOSE,
        detail={"basis": basis, "conversations": conversations, "codes": len(codes)},
    )
    return Matrix(basis, codes, table, conversations)
