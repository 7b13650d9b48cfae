"""Training, storing, loading and scoring the local intent classifier (TF-IDF + logistic
regression).

Artifact format: a pickle (protocol 5) of a small dict holding the fitted scikit-learn
pipeline, stored as ``<models_dir>/intent-tfidf/<sha256>.pkl`` and pinned by that sha256.
``skops`` is not installed, so the hash check on load is the integrity guard: a pickle can
run code, so only load artifacts whose hash an operator pinned. Training is deterministic:
the same data and library versions give the same bytes and so the same hash. A different
scikit-learn, NumPy or Python may give other bytes, hence a new pin: a deliberate step.
"""

from __future__ import annotations

import csv
import hashlib
import math
from collections.abc import Callable
from dataclasses import dataclass
from itertools import repeat
from pathlib import Path
from typing import Any

import numpy as np
import sklearn
from numpy.typing import NDArray
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import FeatureUnion, Pipeline

from hatchway.artifacts import artifact_path as stored_path
from hatchway.artifacts import load_artifact, store_artifact
from hatchway.errors import ConfigError

__all__ = [
    "ARTIFACT_FORMAT",
    "INTENT_MODEL",
    "IntentClassifier",
    "IntentScore",
    "TrainedArtifact",
    "artifact_path",
    "load_intent_classifier",
    "train_intent_classifier",
]

INTENT_MODEL = "intent-tfidf"
ARTIFACT_FORMAT = 1
_TRAIN_FIX = "run `hatchway classifier train` and pin the local:intent-tfidf@sha256:… it prints"


@dataclass(frozen=True)
class TrainedArtifact:
    """A trained classifier file and the sha256 (hex) of its bytes."""

    path: Path
    sha256: str

    @property
    def pin(self) -> str:
        """The model pin for ``hatchway.toml``: ``local:intent-tfidf@sha256:<hex>``."""
        return f"local:{INTENT_MODEL}@sha256:{self.sha256}"


@dataclass(frozen=True)
class IntentScore:
    """The classifier's answer for one text: best category, its probability, the runner-up."""

    category: str
    probability: float
    runner_up: str
    runner_up_probability: float


class IntentClassifier:
    """A loaded, verified classifier. ``sha256`` names the artifact it came from."""

    def __init__(self, pipeline: Any, sha256: str) -> None:
        self._pipeline = pipeline
        self._linear = _linear_scorer(pipeline)
        self.sha256 = sha256
        self.classes: tuple[str, ...] = tuple(str(c) for c in pipeline.classes_)

    def score(self, text: str) -> IntentScore:
        """Class probabilities for ``text``, reduced to the top two."""
        if self._linear is not None:
            probabilities = self._linear.probabilities(text)
        else:
            # One string we built: scikit-learn's input and parameter checks have nothing
            # to find.
            with sklearn.config_context(assume_finite=True, skip_parameter_validation=True):
                probabilities = self._pipeline.predict_proba([text])[0]
        order = sorted(range(len(self.classes)), key=lambda i: (-probabilities[i], i))
        best, second = order[0], order[1]
        return IntentScore(
            category=self.classes[best],
            probability=float(probabilities[best]),
            runner_up=self.classes[second],
            runner_up_probability=float(probabilities[second]),
        )


@dataclass(frozen=True)
class _TfidfPart:
    """One fitted TfidfVectorizer of the union and its rows of the transposed coefficients."""

    analyze: Callable[[str], list[str]]
    vocabulary: dict[str, int]
    idf: NDArray[np.float64]
    sublinear: bool
    coef: NDArray[np.float64]  # (features of this part, classes)

    def add_decision(self, text: str, decision: NDArray[np.float64]) -> None:
        """Add this part's l2-normalised tf-idf row times the coefficients to ``decision``."""
        features = self.analyze(text)
        found = map(self.vocabulary.get, features, repeat(-1))  # -1: not in the vocabulary
        every = np.fromiter(found, dtype=np.intp, count=len(features))
        columns, counts = np.unique(every[every >= 0], return_counts=True)
        if not len(columns):
            return
        weights = counts.astype(np.float64)
        if self.sublinear:
            np.log(weights, out=weights)
            weights += 1.0
        weights *= self.idf[columns]
        weights /= math.sqrt(float(weights @ weights))
        decision += weights @ self.coef[columns]


@dataclass(frozen=True)
class _LinearScorer:
    """The pipeline's arithmetic for one text, without scikit-learn's per-call machinery.

    ``Pipeline.predict_proba`` on one short email spends most of its time in joblib (the
    FeatureUnion goes through ``Parallel`` even with ``n_jobs=None``), sparse-matrix
    building and input checks. This computes the same tf-idf rows, decision values and
    softmax from the fitted attributes; ``tests/agents/test_intent_fast_path.py`` holds it
    equal to the pipeline.
    """

    parts: tuple[_TfidfPart, ...]
    intercept: NDArray[np.float64]

    def probabilities(self, text: str) -> NDArray[np.float64]:
        """What ``pipeline.predict_proba([text])[0]`` gives (to float rounding)."""
        decision = np.zeros_like(self.intercept)
        for part in self.parts:
            part.add_decision(text, decision)
        decision += self.intercept
        decision -= decision.max()
        np.exp(decision, out=decision)
        decision /= decision.sum()
        return decision


def _linear_scorer(pipeline: Any) -> _LinearScorer | None:
    """A :class:`_LinearScorer` for a pipeline shaped as :func:`_build_pipeline` builds it.

    None for anything else (another norm, binary counts, two classes, weights on the union):
    those are scored by the pipeline itself."""
    if not isinstance(pipeline, Pipeline) or len(pipeline.steps) != 2:
        return None
    (_, features), (_, clf) = pipeline.steps
    if not isinstance(features, FeatureUnion) or features.transformer_weights is not None:
        return None
    if not isinstance(clf, LogisticRegression) or len(clf.classes_) < 3:
        return None
    vectorizers = [vectorizer for _, vectorizer in features.transformer_list]
    if not all(_plain_tfidf(vectorizer) for vectorizer in vectorizers):
        return None
    coef_t = np.asarray(clf.coef_, dtype=np.float64).T
    if coef_t.shape[0] != sum(len(v.vocabulary_) for v in vectorizers):
        return None
    parts, start = [], 0
    for vectorizer in vectorizers:
        end = start + len(vectorizer.vocabulary_)
        part = _TfidfPart(
            analyze=vectorizer.build_analyzer(),
            vocabulary=vectorizer.vocabulary_,
            idf=np.asarray(vectorizer.idf_, dtype=np.float64),
            sublinear=bool(vectorizer.sublinear_tf),
            coef=np.ascontiguousarray(coef_t[start:end]),
        )
        parts.append(part)
        start = end
    return _LinearScorer(tuple(parts), np.asarray(clf.intercept_, dtype=np.float64))


def _plain_tfidf(vectorizer: Any) -> bool:
    return (
        isinstance(vectorizer, TfidfVectorizer)
        and vectorizer.norm == "l2"
        and vectorizer.use_idf
        and not vectorizer.binary
        and vectorizer.dtype is np.float64
    )


def _build_pipeline() -> Pipeline:
    def tfidf(**kwargs: Any) -> TfidfVectorizer:
        return TfidfVectorizer(sublinear_tf=True, strip_accents="unicode", **kwargs)

    word = tfidf(ngram_range=(1, 2))
    char = tfidf(analyzer="char_wb", ngram_range=(2, 5))
    features = FeatureUnion([("word", word), ("char", char)])
    return Pipeline([("features", features), ("clf", LogisticRegression(C=30.0, max_iter=5000))])


def _read_training(csv_path: Path) -> tuple[list[str], list[str]]:
    with csv_path.open(encoding="utf-8", newline="") as handle:
        rows = [(row["text"], row["category"]) for row in csv.DictReader(handle)]
    if len({category for _, category in rows}) < 2:
        raise ConfigError(str(csv_path), "needs rows of at least two categories", "add rows")
    return [text for text, _ in rows], [category for _, category in rows]


def _strip_run_state(pipeline: Pipeline) -> None:
    """Drop attributes that hold memory addresses (``id()``), which would change the bytes."""
    for _, vectorizer in pipeline.named_steps["features"].transformer_list:
        vars(vectorizer).pop("_stop_words_id", None)


def artifact_path(models_dir: Path, sha256: str) -> Path:
    """Where the artifact with this hash lives under ``models_dir``."""
    return stored_path(models_dir / INTENT_MODEL, sha256)


def train_intent_classifier(csv_path: Path, out_dir: Path) -> TrainedArtifact:
    """Fit on ``csv_path`` (``text,category``) and store the artifact under its sha256."""
    texts, labels = _read_training(csv_path)
    pipeline = _build_pipeline().fit(texts, labels)
    _strip_run_state(pipeline)
    payload = {
        "format": ARTIFACT_FORMAT,
        "model": INTENT_MODEL,
        "sklearn": sklearn.__version__,
        "training_sha256": hashlib.sha256(csv_path.read_bytes()).hexdigest(),
        "pipeline": pipeline,
    }
    stored = store_artifact(payload, out_dir / INTENT_MODEL)
    return TrainedArtifact(path=stored.path, sha256=stored.sha256)


def load_intent_classifier(models_dir: Path, sha256: str) -> IntentClassifier:
    """Load the artifact pinned by ``sha256``; missing file or hash mismatch → ConfigError."""
    key = f"local:{INTENT_MODEL}@sha256:{sha256}"
    payload = load_artifact(models_dir / INTENT_MODEL, sha256, key=key, fix=_TRAIN_FIX)
    if payload.get("format") != ARTIFACT_FORMAT:
        path = artifact_path(models_dir, sha256)
        raise ConfigError(key, f"artifact {path} is not an intent-tfidf artifact", _TRAIN_FIX)
    return IntentClassifier(payload["pipeline"], sha256)
