"""Themes across many people's words: sentences grouped by meaning, labelled, counted by people.

Pure functions, no database. The caller splits narratives into sentences (`sentences_of`),
embeds them (`embedding.embed`) and hands over each sentence with the key of the person who said
it, their team and the outcome it was recorded against. Then:

1. identical sentences are clustered once (the same words from ten people are one point);
2. agglomerative clustering with average linkage on cosine distance, cut at a fixed distance
   (`DISTANCE`): every sentence in a group is, on average, at least `1 - DISTANCE` similar to the
   others. Nothing is random, so the same sentences always give the same themes; unlike k-means
   the number of themes is not chosen beforehand;
3. a group with fewer distinct people than the threshold is not a theme. Each of its sentences
   joins the nearest theme when it is within the same distance of that theme's centre, and is
   otherwise left out; groups of two or more people left below the threshold are counted as
   "smaller themes not shown";
4. each theme is labelled by its most distinctive words and phrases of up to three words (TF-IDF
   of the theme's sentences against every other sentence; a phrase neither starts nor ends with
   a stop word, and a word gives way to a phrase holding it that most of the word's people also
   used), only terms that at least the threshold of people used, and by its nearest outcome
   (cosine of the theme's centre with each outcome's vector);
5. its representative sentences are those nearest the centre, one per person and no wording
   twice (several people may be recorded in the same words).

The themes come biggest first (by people), ties broken by their words.
"""

from __future__ import annotations

import itertools
import re
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Final

import numpy as np
from sklearn.cluster import AgglomerativeClustering
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, TfidfVectorizer

from meaningful.analysis.embedding import Vectors

DISTANCE: Final = 0.6  # average cosine distance at which groups stop merging (see docs/coding.md)
MIN_WORDS: Final = 4  # a shorter sentence ("None.", "All fine") says too little to group
LABEL_TERMS: Final = 3  # words or phrases in a suggested label
LABEL_WORDS: Final = 6  # words in a suggested label, in all
PHRASE_SHARE: Final = 0.6  # of a word's people who also used the longer phrase, for it to win
MIN_GROUP: Final = 2  # people: a group of one person's words is not a theme of any size
# The anonymiser's placeholders and words that every note about care uses say nothing distinctive.
STOP_WORDS: Final = frozenset(
    ENGLISH_STOP_WORDS | {"name", "place", "date", "phone", "just", "really", "doesn", "don", "isn"}
)
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n+")
_WORD = re.compile(r"[a-z][a-z'-]+")
_PLACEHOLDER_WORDS: Final = (
    ("[name]", "someone"),
    ("[place]", "somewhere"),
    ("[date]", "one day"),
    ("[phone]", "a number"),
)
_CONTRACTIONS: Final = ("'s", "'re", "'ll", "'ve", "'d", "'m", "'")
_JOINING: Final = frozenset({"of", "and", "for", "in", "on", "at", "with", "from", "by"})


@dataclass(frozen=True)
class Sentence:
    """One sentence of a narrative, with who said it, their team and the outcome it sits under."""

    text: str
    person: str
    team: str = ""
    outcome: str = ""


@dataclass(frozen=True)
class Theme:
    """A group of sentences from at least the threshold of people."""

    words: tuple[str, ...]  # words and short phrases, most distinctive first
    outcome: str  # the nearest outcome (or the commonest, without outcome vectors)
    people: int
    members: tuple[int, ...]  # indices into the sentences given
    representatives: tuple[int, ...]  # one per person and per wording, nearest the centre first

    @property
    def label(self) -> str:
        """A suggested label: the distinctive terms, or the outcome when none is shared enough."""
        if not self.words:
            return self.outcome or "Unlabelled theme"
        return ", ".join(self.words).capitalize()


@dataclass(frozen=True)
class Themes:
    """The themes found, and how many smaller groups were left out."""

    themes: tuple[Theme, ...]
    smaller: int  # groups of two or more people but fewer than the threshold


def for_embedding(sentence: str) -> str:
    """The sentence with the anonymiser's placeholders as plain words, for embedding.

    The model reads "[name]" as a strong shared feature: five sentences on unrelated things
    that each held it were on average 0.47 similar to each other, against 0.22 with "someone"
    in its place, so placeholders alone pulled unrelated sentences into one theme.
    """
    for placeholder, word in _PLACEHOLDER_WORDS:
        sentence = sentence.replace(placeholder, word)
    return sentence


def sentences_of(text: str, min_words: int = MIN_WORDS) -> list[str]:
    """The sentences of a text with at least `min_words` words, stripped, in order."""
    found = []
    for piece in _SENTENCE_END.split(text):
        piece = piece.strip()
        if len(piece.split()) >= min_words:
            found.append(piece)
    return found


def cluster(vectors: Vectors, distance: float = DISTANCE) -> np.ndarray:
    """A group number per row: average-linkage clusters of unit vectors cut at a cosine distance."""
    if len(vectors) == 0:
        return np.zeros(0, dtype=np.int64)
    if len(vectors) == 1:
        return np.zeros(1, dtype=np.int64)
    model = AgglomerativeClustering(
        n_clusters=None, metric="cosine", linkage="average", distance_threshold=distance
    )
    return np.asarray(model.fit_predict(vectors), dtype=np.int64)


def _unit(vector: np.ndarray) -> np.ndarray:
    norm = float(np.linalg.norm(vector))
    return vector / norm if norm > 0 else vector


def _groups(sentences: Sequence[Sentence], vectors: Vectors, distance: float) -> list[list[int]]:
    """Sentence indices per group, clustering each distinct text once."""
    distinct: dict[str, int] = {}
    first: list[int] = []
    for index, sentence in enumerate(sentences):
        if sentence.text not in distinct:
            distinct[sentence.text] = len(first)
            first.append(index)
    labels = cluster(vectors[first], distance)
    groups: dict[int, list[int]] = defaultdict(list)
    for index, sentence in enumerate(sentences):
        groups[int(labels[distinct[sentence.text]])].append(index)
    return [groups[key] for key in sorted(groups)]


def _people(sentences: Sequence[Sentence], members: Sequence[int]) -> int:
    return len({sentences[i].person for i in members})


def _absorb(
    big: list[list[int]], small: list[list[int]], vectors: Vectors, distance: float
) -> list[list[int]]:
    """Each sentence of a small group joins the nearest big group within `distance`; returns
    what is left of the small groups."""
    if not big:
        return small
    centres = np.vstack([_unit(vectors[members].mean(axis=0)) for members in big])
    left = []
    for members in small:
        kept = []
        for index in members:
            similarity = centres @ vectors[index]
            nearest = int(np.argmax(similarity))
            if 1.0 - float(similarity[nearest]) <= distance:
                big[nearest].append(index)
            else:
                kept.append(index)
        left.append(kept)
    return left


def _tokens(sentence: str) -> list[str]:
    """Lower-case words; a contraction's ending is dropped ("carer's" is "carer") and a word
    ending "n't" becomes a stop word, as it says nothing a label could use."""
    tokens = []
    for word in _WORD.findall(sentence.lower()):
        if word.endswith("n't"):
            tokens.append("not")
            continue
        for ending in _CONTRACTIONS:
            if word.endswith(ending):
                word = word[: -len(ending)]
                break
        tokens.append(word)
    return tokens


def _terms(sentence: str) -> list[str]:
    """The words and phrases of a sentence that could name a theme: a word or two that are not
    stop words ("waiting list"), or two joined by a word such as "of" or "and" ("fear of
    falling", "cold and damp"). Longer runs of words mostly end part-way through a clause."""
    tokens = _tokens(sentence)
    found = [token for token in tokens if token not in STOP_WORDS]
    for first, second in itertools.pairwise(tokens):
        if first not in STOP_WORDS and second not in STOP_WORDS:
            found.append(f"{first} {second}")
    for first, middle, last in zip(tokens, tokens[1:], tokens[2:], strict=False):
        if middle in _JOINING and first not in STOP_WORDS and last not in STOP_WORDS:
            found.append(f"{first} {middle} {last}")
    return found


def _contains(phrase: str, term: str) -> bool:
    return f" {term} " in f" {phrase} "


def _words(
    sentences: Sequence[Sentence], themes: list[list[int]], min_people: int
) -> list[tuple[str, ...]]:
    """The most distinctive words and phrases of each theme against all other sentences, each
    used by enough people, no two sharing a word."""
    if not themes:
        return []
    terms = [_terms(sentence.text) for sentence in sentences]  # worked out once per sentence
    inside = {i for members in themes for i in members}
    rest = [term for i, found in enumerate(terms) if i not in inside for term in found]
    documents = [[term for i in members for term in terms[i]] for members in themes] + [rest]
    vectoriser = TfidfVectorizer(analyzer=list, sublinear_tf=True)  # documents are term lists
    try:
        scores = vectoriser.fit_transform(documents)
    except ValueError:  # nothing but stop words
        return [() for _ in themes]
    columns = vectoriser.vocabulary_
    found = []
    for row, members in enumerate(themes):
        users: dict[str, set[str]] = defaultdict(set)
        for i in members:
            for term in terms[i]:
                users[term].add(sentences[i].person)
        weights = scores[row].toarray()[0]
        score = {
            term: float(weights[columns[term]])
            for term, people in users.items()
            if len(people) >= min_people
        }
        found.append(_label_terms(score, users))
    return found


def _label_terms(score: Mapping[str, float], users: Mapping[str, set[str]]) -> tuple[str, ...]:
    """Terms for a label, most distinctive first. A word gives way to a longer phrase holding it
    that most of the people who used the word also used ("list" to "waiting list"; of two such
    phrases, the one more people used, or else the shorter) unless the phrase shares a word with
    a term already chosen; a term that does is passed over; LABEL_WORDS words at most in all."""
    chosen: list[str] = []
    for term in sorted(score, key=lambda t: (-score[t], t)):
        longer = [
            phrase
            for phrase in score
            if phrase != term
            and _contains(phrase, term)
            and len(users[phrase]) >= PHRASE_SHARE * len(users[term])
        ]
        options = [term]
        if longer:
            options.insert(
                0, max(longer, key=lambda p: (len(users[p]), -len(p.split()), score[p], p))
            )
        used = {word for other in chosen for word in other.split()}
        room = LABEL_WORDS - sum(len(other.split()) for other in chosen)
        for option in options:  # the phrase, or else the word alone
            words = option.split()
            if not used.intersection(words) and len(words) <= room:
                chosen.append(option)
                break
        if len(chosen) == LABEL_TERMS:
            break
    return tuple(chosen)


def _outcome(
    sentences: Sequence[Sentence],
    members: Sequence[int],
    centre: np.ndarray,
    outcomes: Mapping[str, np.ndarray],
) -> str:
    if outcomes:
        names = sorted(outcomes)
        similarity = np.vstack([outcomes[name] for name in names]) @ centre
        return names[int(np.argmax(similarity))]
    counts = Counter(sentences[i].outcome for i in members if sentences[i].outcome)
    return min(counts, key=lambda name: (-counts[name], name)) if counts else ""


def _representatives(
    sentences: Sequence[Sentence], members: Sequence[int], vectors: Vectors, centre: np.ndarray
) -> tuple[int, ...]:
    similarity = vectors[list(members)] @ centre
    order = sorted(range(len(members)), key=lambda k: (-float(similarity[k]), members[k]))
    chosen, seen, said = [], set(), set()
    for k in order:
        sentence = sentences[members[k]]
        if sentence.person not in seen and sentence.text not in said:
            seen.add(sentence.person)
            said.add(sentence.text)
            chosen.append(members[k])
    return tuple(chosen)


def find_themes(
    sentences: Sequence[Sentence],
    vectors: Vectors,
    threshold: int,
    outcomes: Mapping[str, np.ndarray] | None = None,
    distance: float = DISTANCE,
) -> Themes:
    """Themes of at least `threshold` distinct people, biggest first; every count it gives is of
    at least `threshold` people, except `smaller`, which counts groups, not people."""
    if threshold < 1:
        raise ValueError("The threshold of people must be at least 1.")
    if len(sentences) != len(vectors):
        raise ValueError("Give one vector per sentence.")
    groups = _groups(sentences, vectors, distance) if sentences else []
    big = [g for g in groups if _people(sentences, g) >= threshold]
    small = [g for g in groups if _people(sentences, g) < threshold]
    left = _absorb(big, small, vectors, distance)
    smaller = sum(1 for members in left if _people(sentences, members) >= MIN_GROUP)
    words = _words(sentences, big, threshold)
    themes = []
    for members, label_words in zip(big, words, strict=True):
        members = sorted(members)
        centre = _unit(vectors[members].mean(axis=0))
        themes.append(
            Theme(
                words=label_words,
                outcome=_outcome(sentences, members, centre, outcomes or {}),
                people=_people(sentences, members),
                members=tuple(members),
                representatives=_representatives(sentences, members, vectors, centre),
            )
        )
    themes.sort(key=lambda theme: (-theme.people, theme.words, theme.members))
    return Themes(tuple(themes), smaller)
