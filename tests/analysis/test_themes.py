"""Themes from sentences: hand-made vectors for the rules, the real model for the meaning."""

from __future__ import annotations

import numpy as np
import pytest

from meaningful.analysis.embedding import embed
from meaningful.analysis.themes import Sentence, find_themes, for_embedding, sentences_of


def unit(*values: float) -> np.ndarray:
    vector = np.array(values, dtype=np.float32)
    return vector / np.linalg.norm(vector)


def said(pairs: list[tuple[str, str, np.ndarray]]) -> tuple[list[Sentence], np.ndarray]:
    sentences = [Sentence(text, person) for text, person, _ in pairs]
    return sentences, np.vstack([vector for _, _, vector in pairs]).astype(np.float32)


def test_it_splits_narratives_into_sentences_and_drops_the_too_short() -> None:
    text = "The bus is late every day.  Nothing else.\nWaits an hour at the stop! OK?"
    assert sentences_of(text) == ["The bus is late every day.", "Waits an hour at the stop!"]


def test_a_group_of_fewer_people_than_the_threshold_is_never_a_theme() -> None:
    buses = [(f"The bus never comes, {i}.", f"p{i}", unit(1, 0.05 * i, 0)) for i in range(4)]
    # Two people, five sentences between them: many words, still too few people.
    queues = [(f"The queue is long, {i}.", f"q{i % 2}", unit(0, 1, 0.02 * i)) for i in range(5)]
    sentences, vectors = said(buses + queues)
    found = find_themes(sentences, vectors, threshold=3)
    assert [theme.people for theme in found.themes] == [4]
    assert set(found.themes[0].members) == {0, 1, 2, 3}
    assert found.smaller == 1
    assert all(theme.people >= 3 for theme in found.themes)


def test_one_person_alone_is_not_counted_as_a_smaller_theme() -> None:
    sentences, vectors = said(
        [(f"Bus late {i}.", f"p{i}", unit(1, 0.01 * i, 0)) for i in range(3)]
        + [("Something else entirely.", "lonely", unit(0, 0, 1))]
    )
    found = find_themes(sentences, vectors, threshold=3)
    assert len(found.themes) == 1 and found.smaller == 0


def test_a_sentence_near_a_theme_joins_it_and_a_far_one_is_left_out() -> None:
    sentences, vectors = said(
        [(f"Bus late {i}.", f"p{i}", unit(1, 0, 0)) for i in range(3)]
        + [("Bus sometimes late.", "near", unit(1, 0.9, 0)), ("Far away.", "far", unit(0, 0, 1))]
    )
    found = find_themes(sentences, vectors, threshold=3, distance=0.3)
    assert found.themes[0].people == 4
    assert 3 in found.themes[0].members and 4 not in found.themes[0].members


def test_representatives_are_nearest_the_centre_one_per_person_and_wording() -> None:
    sentences, vectors = said(
        [
            ("Far from the middle.", "a", unit(1, -0.3, 0)),
            ("At the middle.", "a", unit(1, 0, 0)),
            ("Near the middle.", "b", unit(1, 0.1, 0)),
            ("Near the middle.", "c", unit(1, 0.1, 0)),
            ("Quite near the middle.", "d", unit(1, 0.25, 0)),
        ]
    )
    theme = find_themes(sentences, vectors, threshold=2).themes[0]
    assert theme.representatives == (1, 2, 4)


def test_label_words_are_distinctive_and_used_by_at_least_the_threshold_of_people() -> None:
    texts = ["Missed bus again", "Bus driver rude", "Bus was missed", "Bus timetable Agnes"]
    sentences, vectors = said([(t, f"p{i}", unit(1, 0.01 * i)) for i, t in enumerate(texts)])
    sentences += [Sentence("Lonely at home", "x"), Sentence("Lonely evenings", "y")]
    vectors = np.vstack([vectors, unit(0, 1), unit(0, 1)]).astype(np.float32)
    theme = find_themes(sentences, vectors, threshold=2).themes[0]
    assert theme.words[0] == "bus"
    assert "missed" in theme.words  # two people
    assert "agnes" not in theme.words and "driver" not in theme.words  # one person each
    assert theme.label.startswith("Bus, ")


def one_theme(texts: list[str], threshold: int = 3) -> tuple[str, ...]:
    """The label terms of the theme that these people's sentences (one each) make."""
    sentences, vectors = said([(t, f"p{i}", unit(1, 0.01 * i)) for i, t in enumerate(texts)])
    sentences += [Sentence("Lonely at home", "x"), Sentence("Lonely evenings", "y")]
    vectors = np.vstack([vectors, unit(0, 1), unit(0, 1)]).astype(np.float32)
    return find_themes(sentences, vectors, threshold=threshold).themes[0].words


def test_a_word_gives_way_to_a_phrase_that_most_of_its_people_used() -> None:
    words = one_theme(
        [
            "The waiting list is long",
            "Still on the waiting list for months",
            "Waiting list again, no date",
            "Still waiting to hear",
        ]
    )
    assert words[0] == "waiting list"  # 3 of the 4 who said "waiting"
    assert "waiting" not in words and "list" not in words  # no term repeats a word


def test_a_phrase_may_be_joined_by_of_or_and_but_a_rarer_phrase_never_wins() -> None:
    words = one_theme(
        [
            "Fear of falling at night",
            "Real fear of falling outside",
            "Fear of falling in the shower",
            "Some fear about the stairs",
            "Fear of the dark too",
            "Fear when the lift breaks",
        ]
    )
    # "fear" was said by six; "fear of falling" by three, fewer than 0.6 of six: "fear" stays.
    assert words[0] == "fear"
    assert "falling" in words
    # When most who said the word said the phrase, the phrase names the theme.
    words = one_theme(
        ["Fear of falling at night", "Fear of falling outside", "Fear of rain"], threshold=2
    )
    assert words[0] == "fear of falling"


def test_contractions_never_reach_a_label_and_possessives_count_as_their_word() -> None:
    words = one_theme(
        ["Carer's assessment isn't done", "The carer assessment isn't booked", "Carer doesn't cope"]
    )
    assert "carer" in words or "carer assessment" in words
    assert not any("'" in term or "isn" in term or "doesn" in term for term in words)


def test_the_nearest_outcome_is_chosen_by_meaning_or_else_the_commonest() -> None:
    sentences = [Sentence(f"Said {i}", f"p{i}", outcome="Seeing people") for i in range(3)]
    vectors = np.vstack([unit(1, 0.01 * i) for i in range(3)]).astype(np.float32)
    assert find_themes(sentences, vectors, 2).themes[0].outcome == "Seeing people"
    outcomes = {"Feeling safe": unit(1, 0), "Seeing people": unit(0, 1)}
    assert find_themes(sentences, vectors, 2, outcomes).themes[0].outcome == "Feeling safe"


def test_the_same_sentences_always_give_the_same_themes() -> None:
    rng = np.random.default_rng(7)
    raw = rng.normal(size=(60, 8)).astype(np.float32)
    vectors = raw / np.linalg.norm(raw, axis=1, keepdims=True)
    sentences = [Sentence(f"sentence {i}", f"p{i % 20}") for i in range(60)]
    first = find_themes(sentences, vectors, threshold=3, distance=0.9)
    again = find_themes(sentences, vectors.copy(), threshold=3, distance=0.9)
    assert first == again and first.themes


def test_nothing_to_group_gives_no_themes() -> None:
    found = find_themes([], np.zeros((0, 384), dtype=np.float32), threshold=5)
    assert found.themes == () and found.smaller == 0


def test_a_threshold_below_one_is_refused() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        find_themes([], np.zeros((0, 3), dtype=np.float32), threshold=0)


def test_the_real_model_groups_sentences_by_what_they_are_about() -> None:
    topics = {
        "transport": [
            "The bus into town stopped running on Sundays.",
            "There is no bus that gets to the day centre in time.",
            "Cannot get a lift to the shops since the bus route changed.",
            "The bus timetable changed and now there is no way to get to town.",
        ],
        "waiting": [
            "The waiting list for physiotherapy is several months long.",
            "Still waiting for an occupational therapy assessment after months.",
            "Has been on the waiting list for the memory clinic since spring.",
            "The wait for talking therapy is very long.",
        ],
        "money": [
            "Money runs out before the end of the month.",
            "Worried about paying the electricity bills this winter.",
            "There is never enough money left for food and bills.",
            "Bills are piling up and money is very tight.",
        ],
    }
    sentences = [
        Sentence(text, f"{topic}-{i}", outcome=topic)
        for topic, texts in topics.items()
        for i, text in enumerate(texts)
    ]
    found = find_themes(sentences, embed([s.text for s in sentences]), threshold=3)
    groups = sorted(sorted({sentences[i].outcome for i in theme.members}) for theme in found.themes)
    assert groups == [["money"], ["transport"], ["waiting"]]
    labels = {theme.outcome: theme.words for theme in found.themes}
    assert "bus" in labels["transport"] and "money" in labels["money"]
    assert any(word.startswith("wait") for word in labels["waiting"])


def test_placeholders_are_read_as_plain_words_so_they_do_not_make_a_theme() -> None:
    unrelated = [
        "A recent fall has made [name] more cautious again.",
        "Bad weather has kept [name] in and some ground has been lost.",
        "Staff are rushed and [name] does not like to hold them back.",
        "Family tend to do things for [name], which feels like being useless.",
        "Sometimes [name] does not recognise [name], which is heartbreaking.",
    ]
    assert for_embedding(unrelated[0]) == "A recent fall has made someone more cautious again."
    assert for_embedding("Met at [place] on [date], rang [phone].") == (
        "Met at somewhere on one day, rang a number."
    )
    sentences = [Sentence(text, f"{n}-{i}") for n, text in enumerate(unrelated) for i in range(3)]

    def grouped(texts: list[str]) -> list[list[int]]:
        found = find_themes(sentences, embed(texts), 3)
        return sorted(
            sorted({int(sentences[m].person[0]) for m in t.members}) for t in found.themes
        )

    # Read as plain words, only the two setbacks to getting about (a fall, bad weather) meet.
    assert grouped([for_embedding(s.text) for s in sentences]) == [[0, 1], [2], [3], [4]]
    # With the placeholder left in, "[name]" pulls all five into one theme.
    assert grouped([s.text for s in sentences]) == [[0, 1, 2, 3, 4]]
