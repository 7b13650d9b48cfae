"""The NumPy MiniLM encoder (only when the optional `embeddings` extra is installed)."""

from __future__ import annotations

import numpy as np
import pytest

import hatchway.evaluation.embeddings as embeddings
from hatchway.errors import ConfigError


def test_missing_extra_is_a_config_error_with_the_install_line(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(embeddings, "embeddings_available", lambda: False)
    with pytest.raises(ConfigError, match=r"hatchway\[embeddings\]"):
        embeddings.load_encoder()


@pytest.mark.skipif(
    not embeddings.embeddings_available(), reason="the embeddings extra is not installed"
)
def test_paraphrases_are_close_and_batching_does_not_matter() -> None:
    encoder = embeddings.load_encoder()
    texts = ["I lost my card", "my card was stolen", "what is the exchange rate", "hi"]
    vectors = encoder.encode(texts, batch_size=2)
    assert vectors.shape == (4, 384)
    assert np.linalg.norm(vectors, axis=1) == pytest.approx(np.ones(4), abs=1e-5)
    similarity = vectors @ vectors.T
    assert similarity[0, 1] > 0.7 > 0.2 > similarity[0, 2]
    one_by_one = np.vstack([encoder.encode([t]) for t in texts])
    assert np.abs(one_by_one - vectors).max() < 1e-4
