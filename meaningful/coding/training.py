"""Teaching the suggestions an organisation's accepted outcome codes (`meaningful retrain-coder`).

The accepted codes (applied by hand, or suggested and accepted) of one framework's outcomes are
the training rows of ``OutcomeCoder.learn``. Before they are kept, their worth is measured: the
share of those passages whose first suggestion is the code the person chose, by the zero-shot
coder and, in 5-fold cross-validation, by the coder that learnt from the other four folds.
What is kept is the list of passages, not their words: a worker re-reads them when it builds
its coder, so corrected or erased passages drop out.
"""

from __future__ import annotations

from typing import Final

import numpy as np

from meaningful.accounts.models import Organisation, User
from meaningful.analysis.coding import MIN_ACCEPTED, OutcomeCoder
from meaningful.analysis.embedding import embed
from meaningful.audit.services import record_event
from meaningful.coding.models import CodedSegment, CodeKind, CoderTraining
from meaningful.coding.scope import keeps_codebook
from meaningful.coding.suggesting import accepted_codes, outcomes_with_examples
from meaningful.errors import NotAllowed, NotFound
from meaningful.frameworks.services import usable_framework

FOLDS: Final = 5
MEASURED_FROM: Final = 10  # accepted codes needed before accuracy is measured


class TrainingProblem(Exception):
    """The coder cannot be retrained as asked; the message says what to do."""


def _top_one(coder: OutcomeCoder, texts: list[str], vectors: np.ndarray, truth: list[str]) -> float:
    shares = coder.shares_embedded(texts, vectors)
    chosen = [coder.codes[int(i)] for i in np.argmax(shares, axis=1)]
    return sum(a == b for a, b in zip(chosen, truth, strict=True)) / len(truth)


def measured(coder: OutcomeCoder, texts: list[str], truth: list[str]) -> tuple[float, float]:
    """Top-1 accuracy of the zero-shot coder, and of the learning coder in cross-validation.

    The same words coded twice always fall in the same fold, so that a passage is never
    judged by a coder that learnt it.
    """
    vectors = embed(texts, coder.model)
    zero_shot = _top_one(coder, texts, vectors, truth)
    distinct = {text: i for i, text in enumerate(dict.fromkeys(texts))}
    folds = [distinct[text] % FOLDS for text in texts]
    right = judged = 0
    for fold in range(FOLDS):
        test = [i for i, f in enumerate(folds) if f == fold]
        train = [i for i, f in enumerate(folds) if f != fold]
        if not test or len(train) < MIN_ACCEPTED:
            continue
        coder.learn_embedded([texts[i] for i in train], vectors[train], [truth[i] for i in train])
        right += round(
            _top_one(coder, [texts[i] for i in test], vectors[test], [truth[i] for i in test])
            * len(test)
        )
        judged += len(test)
    coder.learn_embedded([], vectors[:0], [])  # back to zero-shot
    return zero_shot, right / judged if judged else zero_shot


def retrain_coder(actor: User, organisation: Organisation, framework_slug: str) -> CoderTraining:
    """Measure and keep what the organisation's accepted codes of a framework teach its coder."""
    if not (actor.is_system or keeps_codebook(actor, organisation)):
        raise NotAllowed("Only the organisation's analysts and administrators retrain its coder.")
    try:
        framework = usable_framework(organisation, framework_slug)
    except NotFound as error:
        raise TrainingProblem(
            f"{organisation} records against no framework {framework_slug!r}; see "
            "`meaningful list-frameworks`."
        ) from error
    segments = CodedSegment.objects.filter(
        accepted=True,
        code__organisation=organisation,
        code__kind=CodeKind.OUTCOME,
        code__framework_slug=framework.slug,
        conversation__person__erased_at__isnull=True,
    ).order_by("pk")
    distinct: dict[tuple[object, ...], int] = {}
    for s in segments.values(
        "pk", "conversation_id", "record_id", "field", "start", "end", "code_id"
    ):
        key = (s["conversation_id"], s["record_id"], s["field"], s["start"], s["end"], s["code_id"])
        distinct.setdefault(key, s["pk"])
    ids = sorted(distinct.values())
    examples = accepted_codes(ids)
    if len(examples) < MIN_ACCEPTED:
        raise TrainingProblem(
            f"Only {len(examples)} accepted code(s) of {framework.slug} outcomes in {organisation}; "
            f"at least {MIN_ACCEPTED} are needed. Code more passages, or accept suggestions, first."
        )
    zero_shot = learned = None
    if len(examples) >= MEASURED_FROM:
        coder = OutcomeCoder(outcomes_with_examples(framework, organisation))
        zero_shot, learned = measured(
            coder, [e.text for e in examples], [e.outcome for e in examples]
        )
    training = CoderTraining.objects.create(
        organisation=organisation,
        framework_slug=framework.slug,
        segment_ids=ids,
        examples=len(examples),
        zero_shot_accuracy=zero_shot,
        learned_accuracy=learned,
        trained_by=actor,
    )
    record_event(
        actor,
        "coding.coder.retrain",
        training,
        purpose="assisted coding suggestions",
        detail={"framework": framework.slug, "examples": len(examples)},
    )
    return training
