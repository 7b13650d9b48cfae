"""The evaluation package's public surface is deliberate: pinned here."""

from __future__ import annotations

import hatchway.evaluation as evaluation


def test_public_api_is_pinned() -> None:
    assert sorted(evaluation.__all__) == sorted(
        [
            "EMBEDDINGS_INSTALL", "BaselineClassifier", "CategoryFigures", "EnsembleClassifier",
            "GateEvaluation", "LabelledTexts", "MiniLMEncoder", "Predictions",
            "SelectiveClassifier", "as_json", "as_table", "embeddings_available", "load_encoder",
            "load_labelled", "load_texts", "replay", "stratified_split",
        ]
    )  # fmt: skip
    assert all(hasattr(evaluation, name) for name in evaluation.__all__)
