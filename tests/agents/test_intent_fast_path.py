"""The intent classifier's direct tf-idf scoring gives what ``Pipeline.predict_proba`` gives.

``IntentClassifier.score`` computes the tf-idf rows, decision values and softmax from the
fitted pipeline's attributes instead of calling the pipeline. Over every demo mail (as the
model sees it and whole), every training row and a few edge cases, both must give the same
probabilities; a pipeline of another shape must be scored by scikit-learn itself.
"""

from __future__ import annotations

import copy
import csv
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from hatchway.agents.offline import train_intent_classifier
from hatchway.agents.offline.intent import (
    INTENT_MODEL,
    IntentClassifier,
    _linear_scorer,
)
from hatchway.agents.offline.intent_model import new_text
from hatchway.artifacts import load_artifact
from tests.agents.offline_support import TRAINING_CSV, demo_mailbox

TOLERANCE = 1e-12
EDGE_CASES = [
    "",
    " ",
    "\n\n",
    "zzzz qqqq xxxx",
    "a",
    "NW-100245 NW-100245 NW-100245",
    "ÉTAT DE MA COMMANDE ?!!! Où est mon colis, s'il vous plaît ?",
    "Straße, Größe, Rückerstattung — ß ø æ ñ ç",
    "refund " * 200,
    "\t tab\tseparated\u00a0no-break\u2003em space",
]


@pytest.fixture(scope="module")
def pipeline(tmp_path_factory: pytest.TempPathFactory) -> Any:
    models: Path = tmp_path_factory.mktemp("models")
    artifact = train_intent_classifier(TRAINING_CSV, models)
    payload = load_artifact(models / INTENT_MODEL, artifact.sha256, key="test", fix="")
    return payload["pipeline"]


def _texts() -> list[str]:
    texts: list[str] = []
    for mail in demo_mailbox():
        request = mail.request
        texts.append(f"{request.subject}\n{new_text(request.text)}")
        texts.append(f"{request.subject}\n{request.text}")
    with TRAINING_CSV.open(encoding="utf-8", newline="") as handle:
        texts += [row["text"] for row in csv.DictReader(handle)]
    return texts + EDGE_CASES


def _reference(pipeline: Any, text: str) -> Any:
    return pipeline.predict_proba([text])[0]


def test_the_trained_pipeline_takes_the_fast_path(pipeline: Any) -> None:
    assert _linear_scorer(pipeline) is not None


def test_probabilities_match_the_pipeline(pipeline: Any) -> None:
    scorer = _linear_scorer(pipeline)
    assert scorer is not None
    texts = _texts()
    assert len(texts) > 400
    for text in texts:
        fast, slow = scorer.probabilities(text), _reference(pipeline, text)
        np.testing.assert_allclose(fast, slow, rtol=0, atol=TOLERANCE, err_msg=text)


def test_scores_match_the_pipeline(pipeline: Any) -> None:
    classifier = IntentClassifier(pipeline, "0" * 64)
    for text in _texts():
        slow = _reference(pipeline, text)
        order = sorted(range(len(slow)), key=lambda i: (-slow[i], i))
        score = classifier.score(text)
        assert (score.category, score.runner_up) == (
            classifier.classes[order[0]],
            classifier.classes[order[1]],
        ), text
        assert score.probability == pytest.approx(slow[order[0]], rel=0, abs=TOLERANCE)
        assert score.runner_up_probability == pytest.approx(slow[order[1]], rel=0, abs=TOLERANCE)


def test_another_pipeline_shape_is_scored_by_scikit_learn(pipeline: Any) -> None:
    other = copy.deepcopy(pipeline)
    other.named_steps["features"].transformer_list[0][1].norm = "l1"
    assert _linear_scorer(other) is None
    classifier = IntentClassifier(other, "0" * 64)
    text = "Where is my order NW-100245? It has not arrived."
    slow = _reference(other, text)
    assert classifier.score(text).probability == pytest.approx(float(slow.max()), abs=TOLERANCE)
