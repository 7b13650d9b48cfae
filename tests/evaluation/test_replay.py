"""Replaying labelled data: certification on the calibration part, figures on the test part."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pytest
from numpy.typing import NDArray

from hatchway.evaluation import (
    EnsembleClassifier,
    SelectiveClassifier,
    as_json,
    as_table,
    replay,
)
from hatchway.policies.gate.certify import Certification, Refusal
from tests.evaluation.synthetic import fake_embed, make_data


def test_clean_data_certifies_and_measures() -> None:
    data = make_data(150, noise=0.0)
    (result,) = replay(data, [EnsembleClassifier(use_embeddings=False)], target=0.05)
    assert isinstance(result.certification, Certification)
    assert result.n_fit == 272 and result.n_calibration == 240
    assert result.overall.n_test == 88 and result.overall.coverage >= 0.85
    assert result.overall.error == 0.0
    assert {f.category for f in result.categories} == {"delivery", "invoice", "password", "refund"}
    assert sum(f.auto_sent for f in result.categories) == result.overall.auto_sent


def test_noisy_labels_are_refused_and_nothing_auto_sends() -> None:
    data = make_data(150, noise=0.5)
    (result,) = replay(data, [EnsembleClassifier(use_embeddings=False)], target=0.01)
    assert isinstance(result.certification, Refusal)
    assert result.threshold is None and result.overall.auto_sent == 0
    assert as_json(result)["certified"] is False and as_json(result)["error"] is None
    assert "refused" in as_table(result)


def test_separate_test_file_embeddings_and_out_of_scope() -> None:
    data, test = make_data(150, seed=1), make_data(20, seed=2)
    oos = ["what time is the football on", "sing me a song", "weather in rome tomorrow"]
    calls: list[int] = []

    def embed(texts: Sequence[str]) -> NDArray[np.float32]:
        calls.append(len(texts))
        return fake_embed(texts)

    steps: list[str] = []
    classifiers: list[SelectiveClassifier] = [EnsembleClassifier(use_embeddings=True)]
    (result,) = replay(
        data, classifiers, test=test, oos=oos, target=0.05, embed=embed, step=steps.append
    )
    assert calls == [600 + 80 + 3] and steps == [classifiers[0].name]
    assert result.n_fit + result.n_calibration == 600 and result.overall.n_test == 80
    assert result.oos_total == 3 and result.oos_auto_sent == 0
    figures = as_json(result)
    assert figures["oos_auto_sent_rate"] == 0.0
    assert figures["coverage"] == pytest.approx(result.overall.coverage)
    assert set(figures) >= {"coverage", "error", "bound", "oos_auto_sent_rate", "categories"}
