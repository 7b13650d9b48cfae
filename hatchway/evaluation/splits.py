"""Stratified splits of a labelled set: fit the classifier on one part, certify on another,
measure on a third. Seeded, so a run can be repeated."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from hatchway.evaluation.datasets import LabelledTexts

__all__ = ["stratified_split"]


def stratified_split(
    data: LabelledTexts, fractions: Sequence[float], *, seed: int = 0
) -> tuple[LabelledTexts, ...]:
    """Split ``data`` into parts of the given ``fractions`` (summing to 1), per category.

    Each category's rows are shuffled and cut at the cumulative fractions, so every part
    keeps the category mix; rounding leftovers go to the first part.
    """
    if abs(sum(fractions) - 1.0) > 1e-9 or any(f <= 0 for f in fractions):
        raise ValueError(f"fractions must be positive and sum to 1, got {list(fractions)}")
    rng = np.random.default_rng(seed)
    parts: list[list[int]] = [[] for _ in fractions]
    labels = np.array(data.categories)
    for category in sorted(set(data.categories)):
        rows = rng.permutation(np.flatnonzero(labels == category))
        sizes = [int(f * len(rows)) for f in fractions[1:]]
        cuts = np.cumsum([len(rows) - sum(sizes), *sizes])[:-1]
        for part, chunk in zip(parts, np.split(rows, cuts), strict=True):
            part.extend(int(i) for i in chunk)
    return tuple(data.subset(sorted(part)) for part in parts)
