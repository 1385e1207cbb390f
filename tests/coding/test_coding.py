"""Suggested outcome codes for short notes: zero-shot, with learning, and how a note reads."""

from __future__ import annotations

import pytest

from meaningful.analysis.coding import (
    AcceptedCode,
    OutcomeCoder,
    OutcomeDefinition,
    Suggestion,
)
from meaningful.analysis.embedding import Vectors, embed
from meaningful.analysis.tone import reads_as


def coder_vectors(coder: OutcomeCoder, texts: list[str]) -> Vectors:
    """Embeddings of texts with the coder's own model."""
    return embed(texts, coder.model)


# One plain note per outcome, written for these tests; none quotes a codebook example.
SERVICE_USER_NOTES = {
    "feeling-safe": "Since the burglary next door she checks the locks every night and is scared someone will break in.",
    "having-things-to-do": "He has nothing to occupy him during the day and would love to get back to his woodwork.",
    "seeing-people": "She has not seen her friends since she moved and feels very alone.",
    "staying-well": "He wants help to keep his blood pressure under control and to eat more healthily.",
    "living-as-you-want": "She is determined to stay in her own flat and keep her own routines.",
    "dealing-with-stigma": "People at the church have shunned him since they heard about his schizophrenia.",
    "listened-to": "She said the worker really paid attention to what she had to say this time.",
    "having-a-say": "He chose which agency would support him and helped write his own plan.",
    "treated-with-respect": "The staff treat him with dignity and always ask before helping him wash.",
    "responded-to": "When his needs changed the team increased his support the same week.",
    "reliability": "The home carers come at the agreed time and it is always the same familiar faces.",
    "improved-confidence": "After the course she believes in herself again and feels more positive.",
    "improved-skills": "He has learned to budget his money and cook his own dinners.",
    "improved-mobility": "With the new walking frame she can get round the house and out to the garden.",
    "reduced-symptoms": "The new medication has eased his chest pain and he is less breathless.",
}
CARER_NOTES = {
    "carer-cared-for-qol": "Her father is thriving at his day service and seems content.",
    "carer-health-wellbeing": "She is worn out from caring and her own blood pressure is up.",
    "carer-life-of-own": "He has not had an evening out with his own friends for a year because of caring.",
    "carer-positive-relationship": "Caring has strained things between her and her husband; they hardly talk as a couple.",
    "carer-financial": "She cut her working hours to care and cannot afford the gas bill.",
    "carer-choices": "He feels trapped into caring and wants to be able to say no to some of it.",
    "carer-informed-skilled": "Training on handling the hoist has made her confident with the equipment.",
    "carer-satisfaction": "She feels proud of the care she gives and finds it rewarding.",
    "carer-partnership": "The nurses plan his mother's care jointly with him and share updates.",
    "carer-valued-respected": "The consultant dismissed her knowledge of her son's condition.",
    "carer-having-a-say": "Her views were asked for at the review and changed the support plan.",
    "carer-flexible-responsive": "When his wife's condition got worse the support changed quickly to match.",
    "carer-practitioner-relationship": "He gets on well with the social worker who has known the family for years.",
    "carer-accessible": "She had no idea who to ring out of hours, and the service charges put her off.",
}


@pytest.mark.parametrize("code", SERVICE_USER_NOTES)
def test_a_clear_service_user_note_gets_its_outcome_in_the_top_three(
    service_users_coder: OutcomeCoder, code: str
) -> None:
    (suggestions,) = service_users_coder.suggest([SERVICE_USER_NOTES[code]], top=3)
    assert code in [s.outcome for s in suggestions], suggestions


@pytest.mark.parametrize("code", CARER_NOTES)
def test_a_clear_carer_note_gets_its_outcome_in_the_top_three(
    carers_coder: OutcomeCoder, code: str
) -> None:
    (suggestions,) = carers_coder.suggest([CARER_NOTES[code]], top=3)
    assert code in [s.outcome for s in suggestions], suggestions


def test_suggestions_are_best_first_and_scores_are_shares(
    service_users_coder: OutcomeCoder,
) -> None:
    (suggestions,) = service_users_coder.suggest([SERVICE_USER_NOTES["feeling-safe"]], top=15)
    scores = [s.score for s in suggestions]
    assert scores == sorted(scores, reverse=True)
    assert {s.outcome for s in suggestions} == set(service_users_coder.codes)
    assert sum(scores) == pytest.approx(1, abs=0.01)


def test_learning_from_accepted_codes_moves_a_note_towards_their_outcome() -> None:
    outcomes = [
        OutcomeDefinition("garden", "Garden", "The person enjoys gardening and growing plants."),
        OutcomeDefinition("music", "Music", "The person enjoys singing and playing music."),
    ]
    coder = OutcomeCoder(outcomes)
    note = "She goes to the allotment club on Thursdays."
    before = coder.shares([note])[0][1]
    coder.learn(
        [AcceptedCode("He goes to the allotment club with his choir friends.", "music")] * 3
        + [AcceptedCode("She waters the tomatoes every morning.", "garden")]
    )
    assert coder.has_learned
    assert coder.shares([note])[0][1] > before


def test_learning_refuses_codes_outside_the_framework(service_users_coder: OutcomeCoder) -> None:
    with pytest.raises(ValueError, match="not in this framework"):
        service_users_coder.learn([AcceptedCode("Anything.", "no-such-outcome")] * 2)
    assert not service_users_coder.has_learned


def test_learning_refuses_texts_and_codes_of_different_lengths() -> None:
    coder = OutcomeCoder(
        [OutcomeDefinition("a", "A", "Gardening."), OutcomeDefinition("b", "B", "Music.")]
    )
    texts = ["She sings.", "He digs."]
    with pytest.raises(ValueError, match="same length"):
        coder.learn_embedded(texts, coder_vectors(coder, texts), ["b"])
    assert not coder.has_learned


def test_a_coder_of_one_outcome_gives_it_the_whole_share_and_no_texts_give_no_rows() -> None:
    coder = OutcomeCoder([OutcomeDefinition("only", "Only", "Anything at all.")])
    (suggestions,) = coder.suggest(["Whatever the note says."], top=3)
    assert suggestions == [Suggestion("only", 1.0)]
    assert coder.shares([]).shape == (0, 1)


def test_a_telling_word_from_the_codebook_decides_between_close_outcomes() -> None:
    outcomes = [
        OutcomeDefinition("alarm", "Alarm", examples=("The pendant alarm was fitted.",) * 3),
        OutcomeDefinition("rail", "Rail", examples=("The grab rail was fitted.",) * 3),
    ]
    coder = OutcomeCoder(outcomes)
    [first], [second] = coder.suggest(["Pendant checked.", "Rail checked."], top=1)
    assert (first.outcome, second.outcome) == ("alarm", "rail")


def test_a_coder_refuses_duplicate_or_missing_outcomes() -> None:
    with pytest.raises(ValueError, match="at least one"):
        OutcomeCoder([])
    same = OutcomeDefinition("a", "A", "Something.")
    with pytest.raises(ValueError, match="unique"):
        OutcomeCoder([same, same])


@pytest.mark.parametrize(
    ("text", "tone"),
    [
        ("She enjoys the lunch club and feels much better.", "working"),
        ("He is lonely and worried about the stairs.", "not-working"),
        ("The carers are lovely but they are often late.", "mixed"),
        ("Review on Tuesday at the office.", "unclear"),
    ],
)
def test_a_note_reads_as_working_not_working_or_mixed(text: str, tone: str) -> None:
    reading = reads_as(text)
    assert reading.tone == tone
    assert bool(reading.working_cues) == (tone in {"working", "mixed"})
