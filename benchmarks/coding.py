"""Assisted outcome coding on the labelled development sets: accuracy, speed and memory.

Run: .venv/bin/python benchmarks/coding.py

For each Talking Points framework it prints macro-F1 of the top suggestion and the share of
notes whose label is among the top three, for zero-shot coding (prototypes only), for coding
with learning (stratified 5-fold cross-validation: train on four fifths, score the fifth) and
for a TF-IDF + logistic regression baseline cross-validated on the same folds. The
cross-validation is repeated with three different shuffles of the folds: a single split of a
few hundred notes moves top-3 by up to 0.012 (three or four notes), so the mean is printed with
the lowest and highest of the three. Then model load
time, the time to build a coder (embed the codebook, fit its two regressions), notes per second
(embedding and zero-shot scoring, after one warm-up) and peak memory (maximum resident set size
of this process).

The development sets were written by one author; figures on notes written by other people
will be lower. See benchmarks/data/README.md.
"""

from __future__ import annotations

import json
import os
import resource
import time
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import make_pipeline, make_union

from meaningful.analysis.coding import OutcomeCoder
from meaningful.analysis.embedding import embed, load_model
from meaningful.coding.codebooks import codebook_examples, outcome_definitions
from meaningful.frameworks.loading import DATA_DIR, read_definition

ROOT = Path(__file__).resolve().parent
FRAMEWORKS = ("talking-points-service-users", "talking-points-carers")
FOLDS = 5
SEEDS = (0, 1, 2)  # three shuffles of the folds

Labels = npt.NDArray[np.int64]
Scores = npt.NDArray[np.float64]


def read_notes(slug: str) -> list[dict[str, Any]]:
    """The labelled development notes for a framework."""
    path = ROOT / "data" / f"coding-{slug}.jsonl"
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def figures(labels: Labels, scores: Scores) -> tuple[float, float]:
    """Macro-F1 of the best-scoring outcome, and the share of labels in the top three."""
    best = scores.argmax(axis=1)
    top3 = np.argsort(-scores, axis=1)[:, :3]
    in_top3 = float(np.mean([labels[i] in top3[i] for i in range(len(labels))]))
    return float(f1_score(labels, best, average="macro")), in_top3


def tfidf_baseline() -> Any:
    """Word (1-2) and character (2-5) TF-IDF features into a logistic regression."""
    words = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True)
    characters = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True)
    return make_pipeline(make_union(words, characters), LogisticRegression(C=10, max_iter=3000))


def evaluate(slug: str) -> dict[str, list[tuple[float, float]]]:
    """Accuracy figures for one framework: (macro-F1, top-3) per run of each method."""
    framework = read_definition(DATA_DIR / f"{slug}.v1.json")
    coder = OutcomeCoder(outcome_definitions(framework["outcomes"], codebook_examples(slug)))
    notes = read_notes(slug)
    texts = [note["text"] for note in notes]
    labels = np.array([coder.codes.index(note["outcome"]) for note in notes], dtype=np.int64)
    vectors = embed(texts)

    result = {"zero-shot": [figures(labels, coder.shares_embedded(texts, vectors))]}
    result["learning"], result["tf-idf"] = [], []
    for seed in SEEDS:
        learned = np.zeros((len(texts), len(coder.codes)))
        baseline = np.zeros_like(learned)
        folds = StratifiedKFold(n_splits=FOLDS, shuffle=True, random_state=seed)
        for train, test in folds.split(vectors, labels):
            coder.learn_embedded(
                [texts[i] for i in train], vectors[train], [coder.codes[i] for i in labels[train]]
            )
            learned[test] = coder.shares_embedded([texts[i] for i in test], vectors[test])
            model = tfidf_baseline().fit([texts[i] for i in train], labels[train])
            baseline[np.ix_(test, model.classes_)] = model.predict_proba([texts[i] for i in test])
        result["learning"].append(figures(labels, learned))
        result["tf-idf"].append(figures(labels, baseline))
    return result


def summary(runs: list[tuple[float, float]], column: int) -> str:
    """The mean of the runs, with their range when there are several."""
    values = [run[column] for run in runs]
    mean = f"{float(np.mean(values)):.3f}"
    if len(values) == 1:
        return f"{mean:>19}"
    return f"{mean} ({min(values):.3f}-{max(values):.3f})"


def speed(slugs: tuple[str, ...]) -> tuple[float, float, float]:
    """Model load seconds, coder build seconds, and notes per second for zero-shot coding."""
    started = time.perf_counter()
    model = load_model()
    load_seconds = time.perf_counter() - started
    framework = read_definition(DATA_DIR / f"{slugs[0]}.v1.json")
    started = time.perf_counter()
    coder = OutcomeCoder(
        outcome_definitions(framework["outcomes"], codebook_examples(slugs[0])), model=model
    )
    build_seconds = time.perf_counter() - started
    texts = [note["text"] for slug in slugs for note in read_notes(slug)]
    coder.suggest(texts[:64])  # warm-up: the first run of a session allocates its buffers
    started = time.perf_counter()
    coder.suggest(texts)
    return load_seconds, build_seconds, len(texts) / (time.perf_counter() - started)


def main() -> None:
    """Print the figures."""
    load_seconds, build_seconds, notes_per_second = speed(FRAMEWORKS)
    print(f"cores available: {os.cpu_count()}")
    header = (
        f"{'framework':32} {'notes':>5}  {'method':28} {'macro-F1 (range)':>19}  "
        f"{'top-3 (range)':>19}"
    )
    print(header)
    print("-" * len(header))
    for slug in FRAMEWORKS:
        result = evaluate(slug)
        notes = len(read_notes(slug))
        for name, label in (
            ("zero-shot", "zero-shot"),
            ("learning", f"with learning ({FOLDS}-fold x{len(SEEDS)})"),
            ("tf-idf", f"TF-IDF + LR ({FOLDS}-fold x{len(SEEDS)})"),
        ):
            print(
                f"{slug:32} {notes:>5}  {label:28} "
                f"{summary(result[name], 0):>19}  {summary(result[name], 1):>19}"
            )
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"model load: {load_seconds:.2f} s")
    print(f"coder build ({FRAMEWORKS[0]}: embed codebook, fit readers): {build_seconds:.2f} s")
    print(f"notes per second (embed + all three readers, zero-shot): {notes_per_second:.0f}")
    print(f"peak memory (max RSS): {peak_mb:.0f} MB")


if __name__ == "__main__":
    main()
