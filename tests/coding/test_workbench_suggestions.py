"""Suggested codes: worked out in the background, never while saving; accepted or rejected by
each coder for themselves; worked out again when a text is corrected; the coder relearns."""

from __future__ import annotations

import json
from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from meaningful.analysis import embedding
from meaningful.coding.models import CodedSegment, CoderTraining, JobState, Origin, SuggestionJob
from meaningful.coding.reading import passages_of_code, read_narrative
from meaningful.coding.services import apply_codes, decide_suggestion
from meaningful.coding.suggesting import (
    MAX_ATTEMPTS,
    Coders,
    claim_next,
    passages,
    queue_changed,
    work_through_queue,
)
from meaningful.conversations.services import update_outcome_record
from meaningful.demo.factories import Personas
from meaningful.people.models import Person
from tests.coding.workbench_scene import (
    SAFE,
    KeywordCoder,
    KeywordCoders,
    key_of,
    outcome_code,
    spoken,
)

pytestmark = pytest.mark.django_db
WORDS = {"bus": "seeing-people", "sister": "seeing-people", "safe": "feeling-safe"}


def no_embedding(*args: Any, **kwargs: Any) -> Any:
    raise AssertionError("a save worked out embeddings")


def test_saving_a_conversation_works_out_no_embedding(
    personas: Personas, person: Person, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(embedding, "load_model", no_embedding)
    monkeypatch.setattr(embedding, "_embed_batch", no_embedding)
    monkeypatch.setattr(embedding, "embed", no_embedding)
    conversation = spoken(personas, person)
    assert not SuggestionJob.objects.exists()  # the save left nothing but its own rows
    assert queue_changed() == 1  # the worker's first step finds it, still without the model
    assert SuggestionJob.objects.get().conversation == conversation


def test_passages_are_sentences_with_short_ones_joined_to_the_next() -> None:
    text = "Yes. Two is here!\n\nThree? A sentence long enough to stand alone.  And the last one"
    assert [text[a:b] for a, b in passages(text)] == [
        "Yes. Two is here!\n\nThree? A sentence long enough to stand alone.",
        "And the last one",
    ]
    assert [SAFE[a:b] for a, b in passages(SAFE)] == [
        "I feel safe at home now the door has a chain.",
        "I worry about falling at night.",
    ]
    assert passages("  \n ") == []


def test_each_coder_accepts_or_rejects_a_suggestion_for_themselves(
    personas: Personas, person: Person
) -> None:
    conversation = spoken(personas, person)
    worked = work_through_queue(KeywordCoders(KeywordCoder(WORDS)))
    assert (worked.conversations, worked.failed) == (1, 0) and worked.suggestions >= 3
    key = key_of(conversation, "feeling-safe", "what_matters")
    page = read_narrative(personas.owner, conversation.pk)
    (waiting,) = next(t for t in page.texts if t.narrative.key == key).suggestions
    assert waiting.segment.code.outcome_code == "feeling-safe"
    assert (
        waiting.context is not None
        and waiting.context.passage == "I feel safe at home now the door has a chain."
    )
    accepted = decide_suggestion(personas.owner, waiting.segment, accept=True)
    assert (accepted.origin, accepted.accepted, accepted.coder, accepted.confidence) == (
        Origin.MODEL,
        True,
        personas.owner,
        0.6,
    )
    assert SAFE[accepted.start : accepted.end] == waiting.context.passage
    mine = read_narrative(personas.owner, conversation.pk)
    assert not next(t for t in mine.texts if t.narrative.key == key).suggestions
    theirs = read_narrative(personas.colleague, conversation.pk)
    (still,) = next(t for t in theirs.texts if t.narrative.key == key).suggestions
    rejected = decide_suggestion(personas.colleague, still.segment, accept=False)
    assert rejected.accepted is False
    again = decide_suggestion(personas.colleague, still.segment, accept=True)
    assert again.pk == rejected.pk and again.accepted is False  # the first decision stands
    listed, total = passages_of_code(personas.owner, outcome_code(personas, "feeling-safe"))
    assert total == 1 and listed[0].passage.segment.coder == personas.owner


def test_a_suggestion_already_applied_by_hand_is_not_offered_to_that_coder(
    personas: Personas, person: Person
) -> None:
    conversation = spoken(personas, person)
    key = key_of(conversation, "feeling-safe", "what_matters")
    safe = outcome_code(personas, "feeling-safe")
    apply_codes(personas.owner, conversation, narrative_key=key, code_ids=[safe.pk], quote="safe")
    work_through_queue(KeywordCoders(KeywordCoder(WORDS)))
    page = read_narrative(personas.owner, conversation.pk)
    assert not next(t for t in page.texts if t.narrative.key == key).suggestions


def test_a_corrected_text_is_worked_out_again_and_decisions_are_kept(
    personas: Personas, person: Person
) -> None:
    conversation = spoken(personas, person)
    coder = KeywordCoder(WORDS)
    work_through_queue(KeywordCoders(coder))
    waiting = CodedSegment.objects.filter(accepted__isnull=True).first()
    assert waiting is not None
    decide_suggestion(personas.owner, waiting, accept=True)
    assert queue_changed() == 0  # nothing changed since
    record = conversation.records.get(outcome__code="feeling-safe")
    update_outcome_record(
        personas.owner, record, {"what_matters": "I feel safe."}, reason="her words"
    )
    assert queue_changed() == 1
    before = coder.calls
    work_through_queue(KeywordCoders(coder))
    assert coder.calls == before + 1
    assert CodedSegment.objects.filter(accepted=True, origin=Origin.MODEL).count() == 1
    record_key = key_of(conversation, "feeling-safe", "what_matters")
    page = read_narrative(personas.colleague, conversation.pk)
    (fresh,) = next(t for t in page.texts if t.narrative.key == record_key).suggestions
    assert fresh.context is not None and fresh.context.passage == "I feel safe."


class Broken:
    def for_conversation(self, conversation: object) -> KeywordCoder:
        raise RuntimeError("the model file is missing")


def test_a_failing_job_is_recorded_retried_and_then_left(
    personas: Personas, person: Person
) -> None:
    spoken(personas, person)
    for attempt in range(1, MAX_ATTEMPTS + 1):
        worked = work_through_queue(Broken())
        assert worked.failed == 1, attempt
        job = SuggestionJob.objects.get()
        assert (job.state, job.attempts) == (JobState.FAILED, attempt)
        assert "the model file is missing" in job.error
    assert work_through_queue(Broken()).failed == 0  # no attempts left: not queued again
    assert work_through_queue(KeywordCoders(KeywordCoder(WORDS))).conversations == 0


def test_a_job_is_claimed_by_one_worker_only(personas: Personas, person: Person) -> None:
    spoken(personas, person)
    queue_changed()
    assert claim_next() is not None
    assert claim_next() is None


def test_the_command_works_through_the_queue_and_prints_its_figures(
    personas: Personas, person: Person, monkeypatch: pytest.MonkeyPatch
) -> None:
    spoken(personas, person)
    monkeypatch.setattr(
        "meaningful.coding.management.commands.code_suggestions.Coders",
        lambda: KeywordCoders(KeywordCoder(WORDS)),
    )
    out = StringIO()
    call_command("code_suggestions", "--json", stdout=out)
    figures = json.loads(out.getvalue())
    assert figures["conversations"] == 1 and figures["failed"] == 0
    assert figures["suggestions"] == CodedSegment.objects.filter(accepted__isnull=True).count()
    with pytest.raises(CommandError, match="--watch"):
        call_command("code_suggestions", "--watch", "0")


def test_the_real_model_suggests_the_outcome_a_text_is_about(
    personas: Personas, person: Person
) -> None:
    conversation = spoken(personas, person)
    coders = Coders()
    assert coders.for_conversation(conversation) is coders.for_conversation(conversation)
    work_through_queue(coders)
    key = key_of(conversation, "feeling-safe", "what_matters")
    page = read_narrative(personas.owner, conversation.pk)
    suggested = next(t for t in page.texts if t.narrative.key == key).suggestions
    best = max(suggested, key=lambda p: p.segment.confidence or 0)
    assert best.segment.code.outcome_code == "feeling-safe"


def coded_examples(personas: Personas, person: Person, count: int) -> None:
    """Whole texts coded with the outcome they are about, `count` of them."""
    safe, seeing = outcome_code(personas, "feeling-safe"), outcome_code(personas, "seeing-people")
    made = 0
    while made < count:
        conversation = spoken(personas, person)
        for outcome, code in (("feeling-safe", safe), ("seeing-people", seeing)):
            if made < count:
                key = key_of(conversation, outcome, "what_matters")
                apply_codes(personas.owner, conversation, narrative_key=key, code_ids=[code.pk])
                made += 1


def test_retraining_learns_the_accepted_codes_and_measures_them(
    personas: Personas, person: Person
) -> None:
    coded_examples(personas, person, 10)
    out = StringIO()
    call_command(
        "retrain_coder",
        "--organisation",
        personas.organisation.slug,
        "--framework",
        "talking-points-service-users",
        "--as",
        personas.analyst.username,
        "--json",
        stdout=out,
    )
    figures = json.loads(out.getvalue())
    assert figures["examples"] == 10
    assert 0 <= figures["zero_shot_accuracy"] <= 1 and 0 <= figures["learned_accuracy"] <= 1
    training = CoderTraining.objects.get()
    assert training.trained_by == personas.analyst and len(training.segment_ids) == 10
    conversation = spoken(personas, person)
    assert Coders().for_conversation(conversation).has_learned


def test_retraining_needs_accepted_codes_and_a_keeper_of_the_codebook(
    personas: Personas, person: Person
) -> None:
    slug = personas.organisation.slug
    with pytest.raises(CommandError, match="at least 2 are needed"):
        call_command(
            "retrain_coder", "--organisation", slug, "--framework", "talking-points-service-users"
        )
    with pytest.raises(CommandError, match="no framework 'nonsense'"):
        call_command("retrain_coder", "--organisation", slug, "--framework", "nonsense")
    coded_examples(personas, person, 2)
    with pytest.raises(CommandError, match="analysts and administrators"):
        call_command(
            "retrain_coder",
            "--organisation",
            slug,
            "--framework",
            "talking-points-service-users",
            "--as",
            personas.owner.username,
        )
    assert not CoderTraining.objects.exists()


def test_erasure_removes_memos_on_the_persons_passages_at_once(
    personas: Personas, person: Person
) -> None:
    from meaningful.audit.models import AuditEvent
    from meaningful.coding.models import Memo
    from meaningful.people.anonymisation import anonymise_person

    conversation = spoken(personas, person)
    code = outcome_code(personas, "seeing-people")
    apply_codes(
        personas.owner, conversation, narrative_key="story", code_ids=[code.pk], memo="Agnes said"
    )
    work_through_queue(KeywordCoders(KeywordCoder(WORDS)))
    assert Memo.objects.count() == 1
    counts = anonymise_person(personas.system, person, cause="retention")
    assert counts.coding_memos_removed == 1 and not Memo.objects.exists()  # no pass needed
    event = AuditEvent.objects.filter(action="person.erase").latest("pk")
    assert event.detail["coding_memos_removed"] == 1
    work_through_queue(KeywordCoders(KeywordCoder(WORDS)))
    assert not CodedSegment.objects.filter(accepted__isnull=True).exists()
    assert CodedSegment.objects.filter(origin=Origin.HUMAN).count() == 1
