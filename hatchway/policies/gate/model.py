"""Training, storing, loading and running the gate: P(a reviewer sends this draft unchanged).

Model: named features (``GateInput.features``) → ``DictVectorizer`` → ``StandardScaler`` →
``LogisticRegression``; from ``calibrate_min`` drafts on, wrapped in an isotonic
``CalibratedClassifierCV``. Deterministic: same examples and library versions, same bytes.
Artifact: a pickle (protocol 5) stored as ``<models_dir>/gate/<sha256>.pkl`` and loaded only
when its bytes hash to the pinned sha256 (the same guard as the intent classifier's).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import sklearn
from sklearn.calibration import CalibratedClassifierCV
from sklearn.feature_extraction import DictVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import brier_score_loss, roc_auc_score
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from hatchway.artifacts import artifact_path as stored_path
from hatchway.artifacts import load_artifact, store_artifact
from hatchway.errors import ConfigError
from hatchway.policies.gate.dataset import ReviewedDraft
from hatchway.policies.gate.features import GateInput
from hatchway.policies.gate.reference import ApprovedReply, ReplyReference
from hatchway.policies.gate.settings import GateSettings

__all__ = [
    "ARTIFACT_FORMAT",
    "GATE_MODEL",
    "GateArtifact",
    "GateModel",
    "GateScore",
    "TrainingRefusal",
    "UnknownGate",
    "gate_artifact_path",
    "load_gate",
    "score_examples",
    "train_gate",
]

GATE_MODEL = "gate-lr"
ARTIFACT_FORMAT = 1
_TRAIN_FIX = "run `hatchway gate train` and pin the gate version it prints"


@dataclass(frozen=True)
class GateScore:
    """The gate's verdict: ``score`` None means unknown (never auto-sent), with the reason."""

    score: float | None
    version: str | None
    explanation: str


@dataclass(frozen=True)
class GateArtifact:
    """A trained gate file, its sha256 and the facts about its training."""

    sha256: str
    path: Path
    n_train: int
    metrics: dict[str, float] = field(default_factory=dict)

    @property
    def version(self) -> str:
        """What is recorded with every score: ``gate-lr@sha256:<hex>``."""
        return f"{GATE_MODEL}@sha256:{self.sha256}"


@dataclass(frozen=True)
class TrainingRefusal:
    """Too little reviewed data to train; the gate stays unknown and nothing auto-sends."""

    reason: str
    n: int
    n_unchanged: int
    n_changed: int


class UnknownGate:
    """The gate before there is a model: every score is None, with the reason."""

    version: str | None = None
    reference: ReplyReference | None = None

    def __init__(self, reason: str) -> None:
        self.reason = reason

    def score(self, gate_input: GateInput) -> GateScore:
        """Unknown, always."""
        return GateScore(None, None, self.reason)


class GateModel:
    """A loaded, hash-verified gate; ``version`` names the artifact it came from."""

    def __init__(self, payload: dict[str, Any], sha256: str) -> None:
        self._classifier: Any = payload["classifier"]
        self.reference: ReplyReference | None = payload["reference"]
        self.categories: frozenset[str] = frozenset(payload["categories"])
        self.n_train: int = payload["n_train"]
        self.sha256 = sha256
        self.version: str | None = f"{GATE_MODEL}@sha256:{sha256}"

    def score(self, gate_input: GateInput) -> GateScore:
        """P(sent unchanged) for ``gate_input``; unknown for a category it never saw."""
        if gate_input.category not in self.categories:
            reason = f"the gate has no reviewed drafts of category {gate_input.category!r}"
            return GateScore(None, self.version, reason)
        probability = float(self._classifier.predict_proba([gate_input.features()])[0][1])
        why = _explain(self._base(), gate_input.features())
        text = f"{probability:.1%} likely sent unchanged (n={self.n_train} reviewed); {why}"
        return GateScore(probability, self.version, text)

    def _base(self) -> Pipeline:
        classifier = self._classifier
        if isinstance(classifier, CalibratedClassifierCV):
            base: Pipeline = classifier.calibrated_classifiers_[0].estimator
            return base
        pipeline: Pipeline = classifier
        return pipeline


def score_examples(
    gate: GateModel | UnknownGate, examples: Sequence[ReviewedDraft]
) -> list[float | None]:
    """Gate scores of reviewed drafts (held-out ones, for ``certify``), as scored live."""
    return [
        gate.score(GateInput.from_draft(e, email_text=e.email_text, reference=gate.reference)).score
        for e in examples
    ]


def _explain(pipeline: Pipeline, features: dict[str, float], top: int = 3) -> str:
    """The features that moved this score most, from the linear model's coefficients."""
    vectorizer, scaler, logistic = (step for _, step in pipeline.steps)
    row = scaler.transform(vectorizer.transform([features]))[0]
    contributions = row * logistic.coef_[0]
    names = vectorizer.get_feature_names_out()
    order = sorted(range(len(names)), key=lambda i: (-abs(contributions[i]), names[i]))[:top]
    parts = [f"{names[i]} {'+' if contributions[i] >= 0 else '−'}" for i in order]
    return "most weight: " + ", ".join(parts)


def train_gate(
    examples: Sequence[ReviewedDraft], *, out_dir: Path, settings: GateSettings
) -> GateArtifact | TrainingRefusal:
    """Fit on the training split and store the artifact under its sha256 in ``out_dir/gate``."""
    refusal = _check_enough(examples, settings)
    if refusal is not None:
        return refusal
    ordered = sorted(examples, key=lambda example: example.id)
    reference = _reference(ordered, settings.reference_per_category)
    rows = [
        GateInput.from_draft(e, email_text=e.email_text, reference=reference, exclude_self=True)
        for e in ordered
    ]
    features = [row.features() for row in rows]
    labels = np.array([int(example.unchanged) for example in ordered])
    classifier = _classifier(len(ordered), settings).fit(features, labels)
    payload = {
        "format": ARTIFACT_FORMAT,
        "model": GATE_MODEL,
        "sklearn": sklearn.__version__,
        "numpy": np.__version__,
        "classifier": classifier,
        "reference": reference,
        "categories": sorted({str(e.category) for e in ordered if e.category is not None}),
        "n_train": len(ordered),
        "training_sha256": _training_digest(ordered),
    }
    metrics = _metrics(classifier.predict_proba(features)[:, 1], labels)
    return _store(payload, out_dir, len(ordered), metrics)


def _check_enough(
    examples: Sequence[ReviewedDraft], settings: GateSettings
) -> TrainingRefusal | None:
    n = len(examples)
    unchanged = sum(1 for example in examples if example.unchanged)
    changed = n - unchanged
    if n < settings.min_examples:
        reason = f"too little reviewed data (n={n}, need {settings.min_examples})"
    elif min(unchanged, changed) < settings.min_per_class:
        reason = (
            f"too few of one outcome ({unchanged} sent unchanged, {changed} changed; "
            f"need {settings.min_per_class} of each)"
        )
    else:
        return None
    return TrainingRefusal(reason, n, unchanged, changed)


def _reference(ordered: Sequence[ReviewedDraft], per_category: int) -> ReplyReference:
    """The newest ``per_category`` sent-unchanged replies of each category."""
    kept: dict[str, list[ReviewedDraft]] = {}
    for example in sorted(ordered, key=lambda e: (e.decided_at, e.id), reverse=True):
        if example.unchanged and example.category is not None:
            bucket = kept.setdefault(example.category, [])
            if len(bucket) < per_category:
                bucket.append(example)
    chosen = sorted((e for bucket in kept.values() for e in bucket), key=lambda e: e.id)
    return ReplyReference.fit(ApprovedReply(e.id, str(e.category), e.body) for e in chosen)


def _classifier(n: int, settings: GateSettings) -> Any:
    pipeline = Pipeline(
        [
            ("features", DictVectorizer(sparse=False, sort=True)),
            ("scale", StandardScaler()),
            ("logistic", LogisticRegression(C=1.0, max_iter=2000)),
        ]
    )
    if n < settings.calibrate_min:
        return pipeline
    return CalibratedClassifierCV(pipeline, method="isotonic", cv=5, ensemble=False)


def _metrics(probabilities: np.ndarray[Any, Any], labels: np.ndarray[Any, Any]) -> dict[str, float]:
    """In-sample figures, named so: held-out performance is what certification measures."""
    return {
        "train_n": float(len(labels)),
        "train_unchanged_rate": float(labels.mean()),
        "train_brier": float(brier_score_loss(labels, probabilities)),
        "train_roc_auc": float(roc_auc_score(labels, probabilities)),
    }


def _training_digest(ordered: Sequence[ReviewedDraft]) -> str:
    lines = "\n".join(f"{e.id}:{int(e.unchanged)}" for e in ordered)
    return hashlib.sha256(lines.encode()).hexdigest()


def gate_artifact_path(models_dir: Path, sha256: str) -> Path:
    """Where the gate artifact with this hash lives under ``models_dir``."""
    return stored_path(models_dir / "gate", sha256)


def _store(
    payload: dict[str, Any], out_dir: Path, n: int, metrics: dict[str, float]
) -> GateArtifact:
    stored = store_artifact(payload, out_dir / "gate")
    return GateArtifact(sha256=stored.sha256, path=stored.path, n_train=n, metrics=metrics)


def load_gate(models_dir: Path, sha256: str) -> GateModel:
    """Load the gate pinned by ``sha256``; missing file or hash mismatch → ConfigError."""
    key = f"gate {GATE_MODEL}@sha256:{sha256}"
    payload = load_artifact(models_dir / "gate", sha256, key=key, fix=_TRAIN_FIX)
    path = gate_artifact_path(models_dir, sha256)
    if payload.get("model") != GATE_MODEL:
        raise ConfigError(key, f"artifact {path} is not a {GATE_MODEL} artifact", _TRAIN_FIX)
    if payload.get("format") != ARTIFACT_FORMAT:
        raise ConfigError(key, f"artifact {path} has an unknown format", _TRAIN_FIX)
    return GateModel(payload, sha256)
