"""The selective classifiers rank right answers above wrong ones; nearest-neighbour cosine."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score

from hatchway.evaluation import BaselineClassifier, EnsembleClassifier, SelectiveClassifier
from hatchway.evaluation.selective import selective_score
from tests.evaluation.synthetic import fake_embed, make_ambiguous, make_data


@pytest.mark.parametrize(
    "classifier",
    [BaselineClassifier(), EnsembleClassifier(use_embeddings=False)],
    ids=["baseline", "ensemble-tfidf"],
)
def test_classifiers_predict_categories_with_scores(classifier: SelectiveClassifier) -> None:
    train, test = make_data(30, seed=1), make_data(10, seed=2)
    classifier.fit(train.texts, train.categories, None)
    predictions = classifier.predict(test.texts, None)
    accuracy = np.mean(
        [p == t for p, t in zip(predictions.categories, test.categories, strict=True)]
    )
    assert accuracy > 0.9
    assert predictions.scores.shape == (len(test),)
    assert ((predictions.scores >= 0) & (predictions.scores <= 1)).all()


def test_ensemble_with_embeddings_scores_unseen_text_down() -> None:
    train = make_data(30, seed=1)
    classifier = EnsembleClassifier(use_embeddings=True)
    classifier.fit(train.texts, train.categories, fake_embed(train.texts))
    texts = ["refund money back please thanks", "weather forecast for the weekend in paris"]
    predictions = classifier.predict(texts, fake_embed(texts))
    assert predictions.categories[0] == "refund"
    assert predictions.scores[0] > 0.3 and predictions.scores[1] == 0.0


def test_ensemble_refuses_missing_embeddings() -> None:
    train = make_data(5)
    with pytest.raises(ValueError, match="pass them"):
        EnsembleClassifier(use_embeddings=True).fit(train.texts, train.categories, None)


def test_selective_score_adds_the_neighbour_margin_and_penalises_novelty() -> None:
    margin = np.array([0.9, 0.9, 0.9, 0.9, 0.1])
    neighbour = np.array([0.3, -0.3, 0.3, 0.3, -0.3])
    nearest = np.array([1.0, 1.0, 0.7, 0.5, 1.0])
    scores = selective_score(margin, neighbour, nearest, neighbour_weight=2, novelty=(0.55, 0.3))
    # (0.9 + 2·0.3)/3 = 0.5; (0.9 − 0.6)/3 = 0.1; half the novelty penalty; novel; negative.
    assert scores.tolist() == pytest.approx([0.5, 0.1, 0.25, 0.0, 0.0])
    alone = selective_score(margin, neighbour, nearest, neighbour_weight=0, novelty=(0.55, 0.3))
    assert alone.tolist() == pytest.approx([0.9, 0.9, 0.45, 0.0, 0.1])


@pytest.mark.parametrize("use_embeddings", [True, False], ids=["embeddings", "tfidf"])
def test_ensemble_ranks_mixed_texts_below_clear_ones(use_embeddings: bool) -> None:
    (train, _), (test, mixed) = make_ambiguous(40, seed=1), make_ambiguous(40, seed=11)
    classifier = EnsembleClassifier(use_embeddings=use_embeddings)
    embed = fake_embed if use_embeddings else lambda texts: None
    classifier.fit(train.texts, train.categories, embed(train.texts))
    predictions = classifier.predict(test.texts, embed(test.texts))
    right = [p == t for p, t in zip(predictions.categories, test.categories, strict=True)]
    is_mixed = np.array(mixed)
    assert roc_auc_score(right, predictions.scores) > 0.65
    assert predictions.scores[is_mixed].mean() < 0.7 * predictions.scores[~is_mixed].mean()
