"""The selective classifiers rank right answers above wrong ones; nearest-neighbour cosine."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.sparse import csr_matrix

from hatchway.evaluation import BaselineClassifier, EnsembleClassifier, SelectiveClassifier
from hatchway.evaluation.selective import nearest_similarity
from tests.evaluation.synthetic import fake_embed, make_data


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


def test_nearest_similarity_dense_and_sparse() -> None:
    references = np.eye(3, dtype=np.float32)
    queries = np.array([[1, 0, 0], [0, 0.6, 0.8]], dtype=np.float32)
    assert nearest_similarity(queries, references, chunk=1).tolist() == pytest.approx([1, 0.8])
    sparse = nearest_similarity(csr_matrix(queries), csr_matrix(references))
    assert sparse.tolist() == pytest.approx([1, 0.8])
