"""Suggested outcome codes, worked out in the background, never while a conversation is saved.

Saving a conversation does nothing here. `meaningful code-suggestions` (run every minute or
so, or left running with --watch) first queues every conversation that has no suggestions yet
or whose texts changed since (``queue_changed``), then works through the queue: each text is
cut into passages of a few sentences, each passage scored against the outcomes of the
conversation's framework, and the best few above a floor stored as suggestions waiting for a
person to accept or reject. A job is claimed with a conditional update, so two workers never
work out the same conversation; a worker that died leaves its job to be queued again.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Final, Protocol

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from meaningful.accounts.models import Organisation
from meaningful.accounts.services import system_account
from meaningful.analysis.coding import (
    AcceptedCode,
    OutcomeCoder,
    OutcomeDefinition,
    Suggestion,
)
from meaningful.audit.services import record_event
from meaningful.coding.codebook_services import ensure_outcome_codes
from meaningful.coding.codebooks import framework_outcomes
from meaningful.coding.models import (
    Code,
    CodedSegment,
    CodeKind,
    CoderTraining,
    JobState,
    Origin,
    SuggestionJob,
)
from meaningful.coding.texts import Narrative, is_current, narratives_of, text_hash
from meaningful.conversations.models import Conversation
from meaningful.frameworks.models import Framework

TOP: Final = 2  # suggestions per passage at most
FLOOR: Final = 0.2  # a share below this is not worth a person's attention
SHORT: Final = 30  # characters: a shorter sentence says too little alone and joins the next
MAX_ATTEMPTS: Final = 3
STUCK: Final = timedelta(minutes=15)  # a job running this long was left by a worker that died
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n+")


def passages(text: str) -> list[tuple[int, int]]:
    """Cut a text into its sentences; a sentence shorter than SHORT joins the one after it."""
    joined: list[tuple[int, int]] = []
    begin = 0
    ends = [(m.start(), m.end()) for m in _SENTENCE_END.finditer(text)] + [(len(text), len(text))]
    for stop, resume in ends:
        start, end = begin, stop
        begin = resume
        if not text[start:end].strip():
            continue
        if joined and joined[-1][1] - joined[-1][0] < SHORT:
            joined[-1] = (joined[-1][0], end)
        else:
            joined.append((start, end))
    return joined


def fingerprint(texts: list[Narrative]) -> str:
    """A hash of a conversation's texts: it changes when any of them does."""
    digest = hashlib.sha256()
    for narrative in texts:
        digest.update(f"{narrative.key}\x1f{narrative.stored}\x1e".encode("utf-8", "surrogatepass"))
    return digest.hexdigest()


def queue_changed() -> int:
    """Queue conversations with no suggestions yet, corrected since, failed (with attempts
    left) or left running by a worker that died; return how many were queued."""
    now = timezone.now()
    live = Conversation.objects.filter(person__erased_at__isnull=True)
    fresh = [
        SuggestionJob(conversation_id=pk, queued_at=now)
        for pk in live.filter(suggestion_job__isnull=True).values_list("pk", flat=True)
    ]
    SuggestionJob.objects.bulk_create(fresh, ignore_conflicts=True)
    changed = Q(state=JobState.DONE) & (
        Q(conversation__updated_at__gt=F("finished_at"))
        | Q(conversation__records__updated_at__gt=F("finished_at"))
    )
    retry = Q(state=JobState.FAILED, attempts__lt=MAX_ATTEMPTS)
    stuck = Q(state=JobState.RUNNING, started_at__lt=now - STUCK)
    again = SuggestionJob.objects.filter(changed | retry | stuck).values_list("pk", flat=True)
    requeued = SuggestionJob.objects.filter(pk__in=list(again)).update(
        state=JobState.QUEUED, queued_at=now
    )
    return len(fresh) + int(requeued)


def claim_next() -> SuggestionJob | None:
    """Take the oldest waiting job for this worker; None when the queue is empty."""
    while True:
        job = SuggestionJob.objects.filter(state=JobState.QUEUED).order_by("queued_at").first()
        if job is None:
            return None
        claimed = SuggestionJob.objects.filter(pk=job.pk, state=JobState.QUEUED).update(
            state=JobState.RUNNING, started_at=timezone.now(), attempts=F("attempts") + 1
        )
        if claimed:
            job.refresh_from_db()
            return job


class SuggestsCodes(Protocol):
    def suggest(self, texts: list[str], top: int = 3) -> list[list[Suggestion]]: ...


class CoderSource(Protocol):
    def for_conversation(self, conversation: Conversation) -> SuggestsCodes: ...


class Coders:
    """One outcome coder per framework and organisation in this process, built on first use
    (the embedding model itself is loaded once per process by ``analysis.embedding``)."""

    def __init__(self) -> None:
        self._built: dict[tuple[int, int, int | None], OutcomeCoder] = {}

    def for_conversation(self, conversation: Conversation) -> OutcomeCoder:
        organisation = conversation.person.organisation
        training = latest_training(organisation, conversation.framework.slug)
        key = (conversation.framework_id, organisation.pk, training.pk if training else None)
        if key not in self._built:
            coder = OutcomeCoder(outcomes_with_examples(conversation.framework, organisation))
            if training is not None:
                coder.learn(accepted_codes(training.segment_ids))
            self._built[key] = coder
        return self._built[key]


def outcomes_with_examples(
    framework: Framework, organisation: Organisation
) -> list[OutcomeDefinition]:
    """The framework's outcome definitions, with the organisation's own examples added."""
    extra = {
        code.outcome_code: code.example_lines()
        for code in Code.objects.filter(
            organisation=organisation, kind=CodeKind.OUTCOME, framework_slug=framework.slug
        )
    }
    return [
        replace(d, examples=(*d.examples, *extra.get(d.code, [])))
        for d in framework_outcomes(framework)
    ]


def latest_training(organisation: Organisation, framework_slug: str) -> CoderTraining | None:
    return CoderTraining.objects.filter(
        organisation=organisation, framework_slug=framework_slug
    ).first()


def accepted_codes(segment_ids: list[int]) -> list[AcceptedCode]:
    """The words and outcome of each accepted passage that still says what was coded."""
    found: list[AcceptedCode] = []
    segments = CodedSegment.objects.filter(pk__in=segment_ids, accepted=True).select_related(
        "conversation", "record", "code"
    )
    for segment in segments:
        source = segment.record if segment.record is not None else segment.conversation
        stored = str(getattr(source, segment.field))
        if is_current(stored, segment.start, segment.end, segment.text_hash):
            found.append(
                AcceptedCode(stored[segment.start : segment.end], segment.code.outcome_code)
            )
    return found


@dataclass(frozen=True)
class Worked:
    """What one pass over the queue did."""

    conversations: int
    suggestions: int
    failed: int


def work_out(job: SuggestionJob, coders: CoderSource) -> int:
    """Work out and store the suggestions for one claimed job; return how many were stored."""
    conversation = Conversation.objects.select_related(
        "person__organisation", "framework", "practitioner"
    ).get(pk=job.conversation_id)
    texts = narratives_of(
        conversation, conversation.records.select_related("outcome"), pseudonymised=False
    )
    waiting = CodedSegment.objects.filter(
        conversation=conversation, origin=Origin.MODEL, accepted__isnull=True
    )
    now_reads = fingerprint(texts)
    if conversation.person.erased_at is not None:
        waiting.delete()
    if conversation.person.erased_at is not None or now_reads == job.fingerprint:
        _finish(job, now_reads)
        return 0
    organisation = conversation.person.organisation
    ensure_outcome_codes(organisation)
    codes = {
        c.outcome_code: c
        for c in Code.objects.filter(
            organisation=organisation,
            kind=CodeKind.OUTCOME,
            framework_slug=conversation.framework.slug,
        )
    }
    cut = [(n, start, end) for n in texts for start, end in passages(n.stored)]
    coder = coders.for_conversation(conversation)
    ranked = coder.suggest([n.stored[start:end] for n, start, end in cut], top=TOP) if cut else []
    new = [
        CodedSegment(
            conversation=conversation,
            record=narrative.record,
            field=narrative.field,
            start=start,
            end=end,
            text_hash=text_hash(narrative.stored[start:end]),
            code=codes[suggestion.outcome],
            origin=Origin.MODEL,
            confidence=suggestion.score,
        )
        for (narrative, start, end), suggestions in zip(cut, ranked, strict=True)
        for suggestion in suggestions
        if suggestion.score >= FLOOR and suggestion.outcome in codes
    ]
    with transaction.atomic():
        waiting.delete()
        CodedSegment.objects.bulk_create(new)
        record_event(
            system_account(),
            "coding.suggestions.work-out",
            conversation,
            person_id=conversation.person_id,
            purpose="assisted coding suggestions",
            detail={"passages": len(cut), "suggestions": len(new)},
        )
        _finish(job, now_reads)
    return len(new)


def _finish(job: SuggestionJob, reads: str) -> None:
    SuggestionJob.objects.filter(pk=job.pk).update(
        state=JobState.DONE, finished_at=timezone.now(), fingerprint=reads, error=""
    )


def work_through_queue(coders: CoderSource, *, limit: int | None = None) -> Worked:
    """Queue what changed, then work out suggestions job by job; a job that fails is marked
    failed with its error (tried again up to MAX_ATTEMPTS times) and the rest go on."""
    queue_changed()
    done = stored = failed = 0
    while limit is None or done + failed < limit:
        job = claim_next()
        if job is None:
            break
        try:
            stored += work_out(job, coders)
            done += 1
        except Exception as error:  # recorded on the job and reported; the queue goes on
            SuggestionJob.objects.filter(pk=job.pk).update(
                state=JobState.FAILED, finished_at=timezone.now(), error=repr(error)[:2000]
            )
            failed += 1
    return Worked(done, stored, failed)
