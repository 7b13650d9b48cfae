"""Nearest-neighbour evidence for a predicted category: how close a text is to the training
examples of that category, and how much closer than to any other category's examples."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

__all__ = ["NeighbourEvidence", "neighbour_evidence"]

Floats = NDArray[np.float64]


@dataclass(frozen=True)
class NeighbourEvidence:
    """Per text: cosine to the nearest training example of any category (``nearest``, which
    says how novel the text is) and the neighbour ``margin``: cosine to the nearest example
    of the predicted category minus cosine to the nearest example of any other category
    (negative when another category's example is closer)."""

    nearest: Floats
    margin: Floats


def _dense(block: Any) -> NDArray[np.float64]:
    values = block.toarray() if hasattr(block, "toarray") else block
    return np.asarray(values, dtype=np.float64)


def neighbour_evidence(
    queries: Any,
    references: Any,
    reference_labels: NDArray[np.int64],
    predicted: NDArray[np.int64],
    *,
    chunk: int = 1024,
) -> NeighbourEvidence:
    """Evidence for ``predicted[i]`` (a label index) from the unit-length ``references`` rows
    and their ``reference_labels``; rows of dense arrays or SciPy sparse matrices.

    Computed in chunks of queries to bound memory (chunk × references similarities).
    """
    nearest = np.empty(queries.shape[0], dtype=np.float64)
    margin = np.empty(queries.shape[0], dtype=np.float64)
    for start in range(0, queries.shape[0], chunk):
        stop = start + chunk
        similarities = _dense(queries[start:stop] @ references.T)
        same = reference_labels[None, :] == predicted[start:stop, None]
        own = np.where(same, similarities, -np.inf).max(axis=1)
        other = np.where(same, -np.inf, similarities).max(axis=1)
        nearest[start:stop] = np.maximum(own, other)
        # A category with no training example (or the only category) has no neighbour.
        margin[start:stop] = np.nan_to_num(own - other, nan=0.0, posinf=1.0, neginf=-1.0)
    return NeighbourEvidence(nearest, margin)
