"""Neighbour evidence: nearest cosine and the margin of the predicted category's examples."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.sparse import csr_matrix

from hatchway.evaluation.neighbours import neighbour_evidence

# Two examples of category 0 along x and y, one of category 1 along z.
REFERENCES = np.array([[1, 0, 0], [0, 1, 0], [0, 0, 1]], dtype=np.float32)
LABELS = np.array([0, 0, 1])
QUERIES = np.array([[0.8, 0, 0.6], [0, 0.6, 0.8]], dtype=np.float32)


@pytest.mark.parametrize("sparse", [False, True], ids=["dense", "sparse"])
def test_margin_is_own_category_minus_nearest_other(sparse: bool) -> None:
    queries, references = QUERIES, REFERENCES
    if sparse:
        queries, references = csr_matrix(QUERIES), csr_matrix(REFERENCES)
    evidence = neighbour_evidence(queries, references, LABELS, np.array([0, 0]), chunk=1)
    assert evidence.nearest.tolist() == pytest.approx([0.8, 0.8])
    # First: own 0.8 (x) vs other 0.6 (z); second: own 0.6 (y) vs other 0.8 (z).
    assert evidence.margin.tolist() == pytest.approx([0.2, -0.2])


def test_predicting_the_other_category_flips_the_margin() -> None:
    evidence = neighbour_evidence(QUERIES, REFERENCES, LABELS, np.array([1, 1]))
    assert evidence.margin.tolist() == pytest.approx([-0.2, 0.2])


def test_a_category_alone_has_full_margin_and_one_without_examples_none() -> None:
    alone = neighbour_evidence(QUERIES, REFERENCES, np.array([0, 0, 0]), np.array([0, 0]))
    assert alone.margin.tolist() == [1.0, 1.0]
    unseen = neighbour_evidence(QUERIES, REFERENCES, LABELS, np.array([2, 2]))
    assert unseen.margin.tolist() == [-1.0, -1.0]
