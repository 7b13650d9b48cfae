"""The gate evaluation on banking77's train split meets the issue's targets at 2% and
certifies 1% on the split where the previous score could not.

Reads ../shared/data (skips when absent) and needs the `embeddings` extra (skips without it).
The MiniLM pass runs once for the module (about 1½ CPU-minutes); each replay fits only the
ensemble. The command itself is tested end to end on synthetic files (test_cli_eval.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from hatchway.evaluation import (
    EMBEDDINGS_INSTALL,
    EnsembleClassifier,
    GateEvaluation,
    LabelledTexts,
    embeddings_available,
    load_encoder,
    load_labelled,
    load_texts,
    replay,
)
from hatchway.evaluation.selective import Matrix

SHARED = Path(__file__).resolve().parents[3] / "shared" / "data" / "intents"
BANKING77 = SHARED / "banking77" / "train.csv"
CLINC150 = SHARED / "clinc150" / "train_val.json"

pytestmark = [pytest.mark.slow, pytest.mark.shared_data, pytest.mark.timeout(600)]


class _Corpus:
    """banking77, CLINC150's out-of-scope texts and every text's embedding, computed once."""

    def __init__(self) -> None:
        self.data: LabelledTexts = load_labelled(BANKING77)
        self.oos = load_texts(CLINC150)
        texts = [*self.data.texts, *self.oos]
        self._vectors = dict(zip(texts, load_encoder().encode(texts), strict=True))

    def embed(self, texts: Sequence[str]) -> Matrix:
        return np.stack([self._vectors[text] for text in texts])

    def replay(self, *, target: float, seed: int) -> GateEvaluation:
        classifier = EnsembleClassifier(use_embeddings=True)
        (result,) = replay(
            self.data, [classifier], oos=self.oos, target=target, embed=self.embed, seed=seed
        )
        return result


@pytest.fixture(scope="module")
def corpus() -> _Corpus:
    if not BANKING77.is_file() or not CLINC150.is_file():
        pytest.skip(f"../shared/data is absent: no {BANKING77} or {CLINC150}")
    if not embeddings_available():
        pytest.skip(f"the embeddings extra is not installed: {EMBEDDINGS_INSTALL}")
    return _Corpus()


def _assert_certified(result: GateEvaluation, *, target: float, coverage: float) -> None:
    assert result.threshold is not None, result.certification
    overall = result.overall
    assert overall.coverage >= coverage, overall
    assert overall.error is not None and overall.error <= target, overall
    assert overall.bound is not None and overall.bound <= target, overall
    assert result.oos_auto_sent_rate is not None and result.oos_auto_sent_rate <= 0.01


def test_two_percent_target_on_the_default_split(corpus: _Corpus) -> None:
    _assert_certified(corpus.replay(target=0.02, seed=0), target=0.02, coverage=0.70)


def test_one_percent_target_on_the_hardest_split(corpus: _Corpus) -> None:
    # Split seed 4: the margin × novelty score alone refused to certify 1% there (the top of
    # its calibration ranking held too many errors); the neighbour margin certifies ~47%.
    _assert_certified(corpus.replay(target=0.01, seed=4), target=0.01, coverage=0.45)
