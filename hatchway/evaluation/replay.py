"""Replay a labelled dataset through classification and the gate: fit on one part, certify a
threshold on another (``certify``: Learn-then-Test), measure realised error on a third part
(or a separate test file) and count out-of-scope texts that would auto-send.

"The right category's template" is the reply a reviewer would send, so a draft is *changed*
exactly when the predicted category is wrong. The candidate thresholds are the calibration
scores' quantiles at coverages 20%, 22.5%, ..., 95%: chosen from the scores alone, never the
labels (as ``certify`` itself skips thresholds by score counts), and not finer, because fixed-
sequence testing stops at the first threshold it cannot reject and a fine grid lets one local
run of errors stop it (on banking77's train split, steps of 2.5% certified more than 5% or 1%
steps: BENCHMARKS.md).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from hatchway.evaluation.datasets import LabelledTexts
from hatchway.evaluation.selective import Matrix, Predictions, SelectiveClassifier
from hatchway.evaluation.splits import stratified_split
from hatchway.policies.gate.certify import Certification, Refusal, certify, clopper_pearson_upper

__all__ = [
    "GRID_COVERAGES",
    "SPLIT_WITH_TEST",
    "SPLIT_WITHOUT_TEST",
    "CategoryFigures",
    "Embedder",
    "GateEvaluation",
    "ProgressStep",
    "replay",
]

SPLIT_WITHOUT_TEST = (0.45, 0.40, 0.15)  # fit, calibrate, test (measured: BENCHMARKS.md)
SPLIT_WITH_TEST = (0.60, 0.40)  # fit, calibrate; the test file measures
GRID_COVERAGES = tuple(round(0.20 + 0.025 * k, 3) for k in range(31))
ProgressStep = Callable[[str], None]
Embedder = Callable[[Sequence[str]], Matrix]


@dataclass(frozen=True)
class CategoryFigures:
    """Figures for one category (or ``"overall"``) on the test rows at the certified threshold.

    ``coverage``: share that would auto-send; ``error``: share of those auto-sent that were
    wrong (None when none would auto-send); ``bound``: upper confidence bound on the error,
    from the calibration rows above the threshold (for one category, not a certification).
    """

    category: str
    n_test: int
    auto_sent: int
    errors: int
    bound: float | None

    @property
    def coverage(self) -> float:
        """Share of the test rows that would auto-send."""
        return self.auto_sent / self.n_test if self.n_test else 0.0

    @property
    def error(self) -> float | None:
        """Share of the auto-sent test rows with the wrong category."""
        return self.errors / self.auto_sent if self.auto_sent else None


@dataclass(frozen=True)
class GateEvaluation:
    """What one replay measured."""

    model: str
    target: float
    delta: float
    n_fit: int
    n_calibration: int
    certification: Certification | Refusal
    overall: CategoryFigures
    categories: tuple[CategoryFigures, ...]
    oos_total: int = 0
    oos_auto_sent: int = 0

    @property
    def threshold(self) -> float | None:
        """The certified threshold, None when certification was refused."""
        return (
            self.certification.threshold if isinstance(self.certification, Certification) else None
        )

    @property
    def oos_auto_sent_rate(self) -> float | None:
        """Share of the out-of-scope texts that would auto-send (None without any)."""
        return self.oos_auto_sent / self.oos_total if self.oos_total else None


def _quantile_grid(scores: NDArray[np.float64]) -> list[float]:
    return sorted({float(np.quantile(scores, 1 - c)) for c in GRID_COVERAGES}, reverse=True)


def _figures(
    name: str, test: Predictions, truth: Sequence[str], threshold: float | None, bound: float | None
) -> CategoryFigures:
    sent = test.scores >= threshold if threshold is not None else np.zeros(len(truth), bool)
    wrong = np.array([p != t for p, t in zip(test.categories, truth, strict=True)], dtype=bool)
    return CategoryFigures(name, len(truth), int(sent.sum()), int((sent & wrong).sum()), bound)


def _per_category(
    calibration: tuple[Predictions, LabelledTexts],
    test: tuple[Predictions, LabelledTexts],
    threshold: float | None,
    delta: float,
) -> tuple[CategoryFigures, ...]:
    (cal, cal_data), (tst, tst_data) = calibration, test
    cal_truth, tst_truth = np.array(cal_data.categories), np.array(tst_data.categories)
    rows = []
    for category in sorted(set(tst_data.categories) | set(cal_data.categories)):
        bound = None
        if threshold is not None:
            mine = (cal_truth == category) & (cal.scores >= threshold)
            wrong = sum(cal.categories[i] != category for i in np.flatnonzero(mine))
            bound = clopper_pearson_upper(int(wrong), int(mine.sum()), delta)
        picked = np.flatnonzero(tst_truth == category)
        subset = Predictions(tuple(tst.categories[i] for i in picked), tst.scores[picked])
        rows.append(_figures(category, subset, tst_truth[picked].tolist(), threshold, bound))
    return tuple(rows)


@dataclass(frozen=True)
class _Parts:
    fit: LabelledTexts
    calibration: LabelledTexts
    test: LabelledTexts
    oos: tuple[str, ...]


def _split(
    dataset: LabelledTexts, test: LabelledTexts | None, oos: Sequence[str], seed: int
) -> _Parts:
    if test is None:
        fit, calibration, held_out = stratified_split(dataset, SPLIT_WITHOUT_TEST, seed=seed)
        return _Parts(fit, calibration, held_out, tuple(oos))
    fit, calibration = stratified_split(dataset, SPLIT_WITH_TEST, seed=seed)
    return _Parts(fit, calibration, test, tuple(oos))


def _embed_parts(embed: Embedder | None, parts: _Parts) -> dict[str, Matrix | None]:
    texts = {
        "fit": parts.fit.texts,
        "calibration": parts.calibration.texts,
        "test": parts.test.texts,
        "oos": parts.oos,
    }
    if embed is None:
        return dict.fromkeys(texts)
    everything = [text for chunk in texts.values() for text in chunk]
    vectors = embed(everything)
    out: dict[str, Matrix | None] = {}
    start = 0
    for name, chunk in texts.items():
        out[name] = vectors[start : start + len(chunk)]
        start += len(chunk)
    return out


def _evaluate(
    classifier: SelectiveClassifier,
    parts: _Parts,
    vectors: dict[str, Matrix | None],
    target: float,
    delta: float,
) -> GateEvaluation:
    classifier.fit(parts.fit.texts, parts.fit.categories, vectors["fit"])
    cal = classifier.predict(parts.calibration.texts, vectors["calibration"])
    tst = classifier.predict(parts.test.texts, vectors["test"])
    changed = [p != t for p, t in zip(cal.categories, parts.calibration.categories, strict=True)]
    result = certify(
        cal.scores.tolist(), changed, target=target, delta=delta, grid=_quantile_grid(cal.scores)
    )
    threshold = result.threshold if isinstance(result, Certification) else None
    bound = result.upper_bound if isinstance(result, Certification) else None
    oos_sent = 0
    if parts.oos and threshold is not None:
        oos_sent = int((classifier.predict(parts.oos, vectors["oos"]).scores >= threshold).sum())
    return GateEvaluation(
        model=classifier.name,
        target=target,
        delta=delta,
        n_fit=len(parts.fit),
        n_calibration=len(parts.calibration),
        certification=result,
        overall=_figures("overall", tst, parts.test.categories, threshold, bound),
        categories=_per_category((cal, parts.calibration), (tst, parts.test), threshold, delta),
        oos_total=len(parts.oos),
        oos_auto_sent=oos_sent,
    )


def replay(
    dataset: LabelledTexts,
    classifiers: Sequence[SelectiveClassifier],
    *,
    test: LabelledTexts | None = None,
    oos: Sequence[str] = (),
    target: float = 0.01,
    delta: float = 0.05,
    embed: Embedder | None = None,
    seed: int = 0,
    step: ProgressStep | None = None,
) -> list[GateEvaluation]:
    """Evaluate each classifier on the same split of ``dataset`` (see the module docstring).

    ``embed`` turns texts into sentence embeddings for classifiers that use them (called once
    for every text); ``step(label)`` is told as each classifier starts.
    """
    parts = _split(dataset, test, oos, seed)
    vectors = _embed_parts(embed, parts)
    results = []
    for classifier in classifiers:
        if step is not None:
            step(classifier.name)
        results.append(_evaluate(classifier, parts, vectors, target, delta))
    return results
