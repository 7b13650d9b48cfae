"""Offline evaluation of classification and the gate on labelled public data
(`hatchway eval gate`): certified coverage, realised error and out-of-scope auto-sends."""

from hatchway.evaluation.datasets import LabelledTexts, load_labelled, load_texts
from hatchway.evaluation.embeddings import (
    EMBEDDINGS_INSTALL,
    MiniLMEncoder,
    embeddings_available,
    load_encoder,
)
from hatchway.evaluation.replay import CategoryFigures, GateEvaluation, replay
from hatchway.evaluation.report import as_json, as_table
from hatchway.evaluation.selective import (
    BaselineClassifier,
    EnsembleClassifier,
    Predictions,
    SelectiveClassifier,
)
from hatchway.evaluation.splits import stratified_split

__all__ = [
    "EMBEDDINGS_INSTALL",
    "BaselineClassifier",
    "CategoryFigures",
    "EnsembleClassifier",
    "GateEvaluation",
    "LabelledTexts",
    "MiniLMEncoder",
    "Predictions",
    "SelectiveClassifier",
    "as_json",
    "as_table",
    "embeddings_available",
    "load_encoder",
    "load_labelled",
    "load_texts",
    "replay",
    "stratified_split",
]
