"""Suggested outcome codes for short notes, from sentence embeddings: zero-shot and learned.

Zero-shot. Each outcome becomes a set of prototype sentences: its description, its
conversation prompts and the example sentences of a codebook (written from the outcome's
definition: good and bad, worker's words and the person's). A note's score for an outcome is
the average of (a) its cosine with the centroid of those prototypes and (b) its cosine with
the nearest single prototype; the centroid carries the outcome's general sense, the nearest
prototype rewards a note that matches one specific way the outcome shows up. Scores are turned
into shares that add up to 1 with a softmax at a fixed temperature.

With learning. Accepted codes `(text, code)` train a multinomial logistic regression on the
embeddings; the prototype sentences join the training rows, labelled with their outcome, so an
outcome with few accepted notes still has a voice. Its probabilities are multiplied by the
zero-shot shares and normalised again.

What was tried on the development sets (725 notes, 5-fold cross-validation for learning), and
kept or dropped on general grounds rather than for particular notes:
- prototypes from the name alone, the description alone, prompts alone or synonyms alone were
  all weaker than description + prompts + examples; the short synonyms ("safety", "respite")
  made centroids worse and are left out of prototypes (they stay useful for exact matching in
  imports);
- pooling by centroid, by nearest prototype, by the mean of the three nearest, and their blend:
  the blend was best or close to best on both frameworks, the nearest prototype alone worst;
- subtracting the mean of all prototypes (centring) gave no consistent gain;
- for learning: C in {2, 8, 32} (8 kept), embeddings and zero-shot scores as joint features,
  and a product of the two models at temperatures 10 to 40 (10 kept).

Limits: the model is small (all-MiniLM-L6-v2) and English-only; it matches topic, not stance,
so a note about feeling unsafe scores like one about feeling safe (use `reads_as` in `tone.py`
for that); a note about two outcomes gets both near the top rather than a split.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Final

import numpy as np
import numpy.typing as npt
from sklearn.linear_model import LogisticRegression

from meaningful.analysis.embedding import LoadedModel, Vectors, embed

ZERO_SHOT_TEMPERATURE: Final = 10.0  # cosine differences of ~0.1 become clear preferences
REGULARISATION: Final = 8.0  # C of the logistic regression
MIN_ACCEPTED: Final = 2  # accepted notes needed before the classifier is trained


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


def _softmax(scores: Matrix, temperature: float) -> Matrix:
    scaled = scores * temperature
    scaled -= scaled.max(axis=1, keepdims=True)
    weights = np.exp(scaled)
    result: Matrix = weights / weights.sum(axis=1, keepdims=True)
    return result


@dataclass
class OutcomeCoder:
    """Scores texts against a framework's outcomes; learns from accepted codes when given them."""

    outcomes: Sequence[OutcomeDefinition]
    model: LoadedModel | None = None
    _centroids: Vectors = field(init=False, repr=False)
    _prototypes: Vectors = field(init=False, repr=False)
    _owners: npt.NDArray[np.int64] = field(init=False, repr=False)
    _classifier: LogisticRegression | None = field(default=None, init=False, repr=False)
    _classes: list[int] = field(default_factory=list, init=False, repr=False)

    def __post_init__(self) -> None:
        codes = [outcome.code for outcome in self.outcomes]
        if not codes:
            raise ValueError("An outcome coder needs at least one outcome.")
        if len(set(codes)) != len(codes):
            raise ValueError("Outcome codes must be unique.")
        sentences: list[str] = []
        owners: list[int] = []
        for index, outcome in enumerate(self.outcomes):
            for sentence in outcome.prototypes():
                sentences.append(sentence)
                owners.append(index)
        self._prototypes = embed(sentences, self.model)
        self._owners = np.array(owners, dtype=np.int64)
        centroids = np.vstack(
            [self._prototypes[self._owners == i].mean(axis=0) for i in range(len(codes))]
        )
        self._centroids = (centroids / np.linalg.norm(centroids, axis=1, keepdims=True)).astype(
            np.float32
        )

    @property
    def codes(self) -> list[str]:
        """The outcome codes, in framework order."""
        return [outcome.code for outcome in self.outcomes]

    @property
    def has_learned(self) -> bool:
        """True once accepted codes have trained the classifier."""
        return self._classifier is not None

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
        """Train on accepted codes plus the prototypes; unknown codes are refused loudly."""
        rows = list(accepted)
        self.learn_from_vectors(
            embed([row.text for row in rows], self.model), [r.outcome for r in rows]
        )

    def learn_from_vectors(self, vectors: Vectors, outcomes: Sequence[str]) -> None:
        """Train on embedded accepted notes and their codes, plus the prototypes."""
        index = {code: i for i, code in enumerate(self.codes)}
        unknown = sorted(set(outcomes) - set(index))
        if unknown:
            raise ValueError(f"Accepted codes name outcomes not in this framework: {unknown}")
        if len(outcomes) < MIN_ACCEPTED:
            self._classifier = None
            return
        features = np.vstack([vectors, self._prototypes])
        labels = np.concatenate([[index[code] for code in outcomes], self._owners])
        classifier = LogisticRegression(C=REGULARISATION, max_iter=3000)
        classifier.fit(features, labels)
        self._classifier = classifier
        self._classes = [int(c) for c in classifier.classes_]

    def shares_for_vectors(self, vectors: Vectors) -> Matrix:
        """Per text and outcome, a share of belief that adds up to 1 across outcomes."""
        shares = _softmax(self.zero_shot_similarity(vectors), ZERO_SHOT_TEMPERATURE)
        if self._classifier is None:
            return shares
        learned = np.full_like(shares, 1e-6)
        learned[:, self._classes] = np.maximum(self._classifier.predict_proba(vectors), 1e-6)
        combined: Matrix = shares * learned
        normalised: Matrix = combined / combined.sum(axis=1, keepdims=True)
        return normalised

    def shares(self, texts: list[str]) -> Matrix:
        """Per text and outcome, a share of belief that adds up to 1 across outcomes."""
        return self.shares_for_vectors(embed(texts, self.model))

    def suggest(self, texts: list[str], top: int = 3) -> list[list[Suggestion]]:
        """The `top` outcomes for each text, best first (ties keep framework order)."""
        if top < 1:
            raise ValueError("top must be at least 1.")
        return [self.rank(row, top) for row in self.shares(texts)]

    def rank(self, shares: npt.NDArray[np.float64], top: int) -> list[Suggestion]:
        """The best `top` outcomes from one row of shares."""
        order = np.argsort(-shares, kind="stable")[:top]
        return [Suggestion(self.codes[i], round(float(shares[i]), 4)) for i in order]
