"""Coding narratives: apply codes to passages, decide suggestions, memos, finished coding.

Every write checks that the actor may code the conversation (``coding.scope``), writes, and
records an audit event naming the person whose words were coded, all in one transaction.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from meaningful.accounts.models import User
from meaningful.audit.services import record_event
from meaningful.coding.codebook_services import MEMO_LENGTH, codebook_entries
from meaningful.coding.models import (
    Code,
    CodedSegment,
    CodingCompletion,
    Memo,
    Origin,
)
from meaningful.coding.scope import codable_conversation, coding_organisation, identifiable_people
from meaningful.coding.texts import Narrative, narratives_of, text_hash
from meaningful.conversations.models import Conversation
from meaningful.errors import InvalidInput, NotAllowed, NotFound
from meaningful.text import text_problems

PURPOSE = "qualitative analysis"
NOT_YOURS = "Only the person who applied a code can remove it."


@dataclass(frozen=True)
class CodeChoice:
    """A code offered for a conversation, labelled with the codes above it."""

    code: Code
    label: str


def code_choices(conversation: Conversation) -> list[CodeChoice]:
    """The codes that fit a conversation: its framework's outcomes and every theme, with paths."""
    entries = codebook_entries(conversation.person.organisation)
    path: list[str] = []
    choices: list[CodeChoice] = []
    for entry in entries:
        path = [*path[: entry.depth], entry.code.name]
        other_framework = entry.code.is_outcome and (
            entry.code.framework_slug != conversation.framework.slug
        )
        if not other_framework:
            choices.append(CodeChoice(entry.code, " \u203a ".join(path)))
    return choices


def shows_pseudonymised(actor: User, conversation: Conversation) -> bool:
    """True when the actor sees this conversation pseudonymised (not on their caseload)."""
    return conversation.person_id not in identifiable_people(actor)


def conversation_narratives(
    actor: User, conversation: Conversation, *, pseudonymised: bool | None = None
) -> list[Narrative]:
    """The conversation's texts as the actor sees them (``pseudonymised`` when already known)."""
    if pseudonymised is None:
        pseudonymised = shows_pseudonymised(actor, conversation)
    records = conversation.records.select_related("outcome")
    return narratives_of(conversation, records, pseudonymised=pseudonymised)


def _same_words(left: str, right: str) -> bool:
    return left.split() == right.split()


def locate_passage(
    narrative: Narrative, quote: str, start: int | None, end: int | None
) -> tuple[int, int]:
    """Where the quoted words sit in the shown text: the offsets given when they hold the words,
    else the one place the words appear; the whole text for no words. InvalidInput otherwise."""
    shown = narrative.shown
    quote = quote.strip()
    if not quote:
        return len(shown) - len(shown.lstrip()), len(shown.rstrip())
    if (
        start is not None
        and end is not None
        and 0 <= start < end <= len(shown)
        and _same_words(shown[start:end], quote)
    ):
        return start, end
    pattern = r"\s+".join(re.escape(word) for word in quote.split())
    found = list(re.finditer(pattern, shown)) or list(re.finditer(pattern, shown, re.IGNORECASE))
    where = narrative.heading.lower()
    if not found:
        raise InvalidInput(
            {
                "quote": f"These words are not in {where}. Copy them exactly from the text, or "
                "leave the box empty to code the whole text."
            }
        )
    if len(found) > 1:
        if start is None:
            raise InvalidInput(
                {
                    "quote": f"These words appear {len(found)} times in {where}. Add a few words "
                    "before or after them so that they appear only once."
                }
            )
        nearest = min(found, key=lambda match: abs(match.start() - start))
        return nearest.start(), nearest.end()
    return found[0].start(), found[0].end()


def _stored_span(narrative: Narrative, start: int, end: int) -> tuple[int, int]:
    low, high = narrative.offsets.to_stored(start, end)
    words = narrative.stored[low:high]
    low += len(words) - len(words.lstrip())
    high -= len(words) - len(words.rstrip())
    if low >= high:
        raise InvalidInput({"quote": "Choose some words to code, not only spaces."})
    return low, high


def apply_codes(
    actor: User,
    conversation: Conversation,
    *,
    narrative_key: str,
    code_ids: Sequence[int],
    quote: str = "",
    start: int | None = None,
    end: int | None = None,
    memo: str = "",
) -> list[CodedSegment]:
    """Apply codes to a passage of one text of a conversation; return the new coded passages."""
    conversation = codable_conversation(actor, conversation.pk)
    narrative = next(
        (n for n in conversation_narratives(actor, conversation) if n.key == narrative_key), None
    )
    errors: dict[str, str] = {}
    if narrative is None:
        errors["narrative"] = "Choose one of the texts of this conversation."
    offered = {choice.code.pk: choice.code for choice in code_choices(conversation)}
    codes = [offered[pk] for pk in dict.fromkeys(code_ids) if pk in offered]
    if not codes:
        errors["codes"] = "Choose at least one code from the list."
    memo = memo.strip()
    errors |= text_problems({"memo": memo}, limit=MEMO_LENGTH)
    if errors or narrative is None:
        raise InvalidInput(errors)
    low, high = _stored_span(narrative, *locate_passage(narrative, quote, start, end))
    already = set(
        CodedSegment.objects.filter(
            conversation=conversation,
            record=narrative.record,
            field=narrative.field,
            start=low,
            end=high,
            coder=actor,
            accepted=True,
        ).values_list("code_id", flat=True)
    )
    new = [code for code in codes if code.pk not in already]
    if not new:
        raise InvalidInput({"codes": "You have already applied these codes to this passage."})
    hashed = text_hash(narrative.stored[low:high])
    with transaction.atomic():
        segments = [
            CodedSegment.objects.create(
                conversation=conversation,
                record=narrative.record,
                field=narrative.field,
                start=low,
                end=high,
                text_hash=hashed,
                code=code,
                coder=actor,
                origin=Origin.HUMAN,
                accepted=True,
                decided_at=timezone.now(),
            )
            for code in new
        ]
        if memo:
            Memo.objects.bulk_create(Memo(segment=s, text=memo, author=actor) for s in segments)
        record_event(
            actor,
            "coding.segment.add",
            conversation,
            person_id=conversation.person_id,
            purpose=PURPOSE,
            detail={
                "segments": [s.pk for s in segments],
                "codes": [c.pk for c in new],
                "field": narrative.field,
                "record": narrative.record_id,
                "start": low,
                "end": high,
                "memo": bool(memo),
            },
        )
    return segments


def segment_of(actor: User, segment_id: object) -> CodedSegment:
    """A coded passage (or suggestion) in a conversation the actor may code; NotFound otherwise."""
    if not str(segment_id).isdigit():
        raise NotFound("No such coded passage.")
    segment = (
        CodedSegment.objects.select_related("code", "coder", "record__outcome")
        .filter(pk=int(str(segment_id)))
        .first()
    )
    if segment is None:
        raise NotFound("No such coded passage.")
    segment.conversation = codable_conversation(actor, segment.conversation_id)
    if segment.code.organisation_id != coding_organisation(actor).pk:
        raise NotFound("No such coded passage.")
    return segment


def remove_segment(actor: User, segment: CodedSegment) -> None:
    """Take a code off a passage; only the person who applied or accepted it may."""
    segment = segment_of(actor, segment.pk)
    if segment.coder_id != actor.pk or segment.accepted is not True:
        raise NotAllowed(NOT_YOURS)
    with transaction.atomic():
        record_event(
            actor,
            "coding.segment.remove",
            segment,
            person_id=segment.conversation.person_id,
            purpose=PURPOSE,
            detail={
                "code": segment.code_id,
                "field": segment.field,
                "record": segment.record_id,
                "start": segment.start,
                "end": segment.end,
                "origin": segment.origin,
            },
        )
        segment.delete()


def decide_suggestion(actor: User, suggestion: CodedSegment, *, accept: bool) -> CodedSegment:
    """Accept or reject a suggested code for oneself: the decision is a coded passage of the
    actor's own, marked model-suggested; the suggestion stays for other coders to decide."""
    suggestion = segment_of(actor, suggestion.pk)
    if not suggestion.is_waiting:
        raise NotFound("No such suggestion.")
    mine = CodedSegment.objects.filter(
        conversation_id=suggestion.conversation_id,
        record_id=suggestion.record_id,
        field=suggestion.field,
        start=suggestion.start,
        end=suggestion.end,
        code_id=suggestion.code_id,
        coder=actor,
        origin=Origin.MODEL,
    ).first()
    if mine is not None:  # decided already, perhaps in another tab: the first decision stands
        return mine
    action = "coding.suggestion.accept" if accept else "coding.suggestion.reject"
    with transaction.atomic():
        decision = CodedSegment.objects.create(
            conversation_id=suggestion.conversation_id,
            record_id=suggestion.record_id,
            field=suggestion.field,
            start=suggestion.start,
            end=suggestion.end,
            text_hash=suggestion.text_hash,
            code_id=suggestion.code_id,
            coder=actor,
            origin=Origin.MODEL,
            confidence=suggestion.confidence,
            accepted=accept,
            decided_at=timezone.now(),
        )
        record_event(
            actor,
            action,
            decision,
            person_id=suggestion.conversation.person_id,
            purpose=PURPOSE,
            detail={"code": suggestion.code_id, "score": suggestion.confidence},
        )
    return decision


def add_segment_memo(actor: User, segment: CodedSegment, text: str) -> Memo:
    """Add a dated memo to a coded passage in a conversation the actor may code."""
    segment = segment_of(actor, segment.pk)
    text = text.strip()
    problem = text_problems({"text": text}, limit=MEMO_LENGTH).get("text")
    if not text or problem:
        raise InvalidInput({"text": problem or "Write the memo before adding it."})
    with transaction.atomic():
        memo = Memo.objects.create(segment=segment, text=text, author=actor)
        record_event(
            actor,
            "coding.memo.add",
            segment,
            person_id=segment.conversation.person_id,
            purpose=PURPOSE,
        )
    return memo


def set_finished(actor: User, conversation: Conversation, *, finished: bool) -> None:
    """Say that one's coding of a conversation is finished (or not any more)."""
    conversation = codable_conversation(actor, conversation.pk)
    with transaction.atomic():
        if finished:
            CodingCompletion.objects.get_or_create(conversation=conversation, coder=actor)
        else:
            CodingCompletion.objects.filter(conversation=conversation, coder=actor).delete()
        record_event(
            actor,
            "coding.finished" if finished else "coding.reopened",
            conversation,
            person_id=conversation.person_id,
            purpose=PURPOSE,
        )
