"""Small synthetic intent data: easy categories with distinct vocabularies, and a fake
embedder, so the evaluation tests run in seconds without ../shared/data or MiniLM."""

from __future__ import annotations

import csv
import random
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from numpy.typing import NDArray
from sklearn.feature_extraction.text import HashingVectorizer

from hatchway.evaluation import LabelledTexts

VOCABULARY = {
    "refund": ["refund", "money back", "reimburse", "return payment", "credit"],
    "delivery": ["parcel", "shipping", "courier", "tracking", "arrive"],
    "password": ["password", "login", "reset", "locked out", "sign in"],
    "invoice": ["invoice", "bill", "receipt", "vat", "statement"],
}
FILLER = ["please", "hello", "i need help", "asap", "thanks", "my account", "today", "urgent"]


def make_data(per_category: int, *, seed: int = 0, noise: float = 0.0) -> LabelledTexts:
    """``per_category`` texts of each category; ``noise`` is the share with a wrong label."""
    rng = random.Random(seed)
    texts, labels = [], []
    names = sorted(VOCABULARY)
    for category in names:
        for _ in range(per_category):
            words = rng.sample(VOCABULARY[category], 2) + rng.sample(FILLER, 2)
            rng.shuffle(words)
            texts.append(" ".join(words))
            labels.append(rng.choice(names) if rng.random() < noise else category)
    return LabelledTexts(tuple(texts), tuple(labels))


def make_ambiguous(per_category: int, *, seed: int = 0) -> tuple[LabelledTexts, list[bool]]:
    """Like ``make_data``, but every other text mixes one word of its own category with one of
    another (labelled with its own): about half of those are hard to tell apart. Returns the
    data and, per text, whether it is mixed."""
    rng = random.Random(seed)
    texts, labels, mixed = [], [], []
    names = sorted(VOCABULARY)
    for category in names:
        for index in range(per_category):
            other = rng.choice([name for name in names if name != category])
            own = rng.sample(VOCABULARY[category], 1 if index % 2 else 2)
            words = own + (rng.sample(VOCABULARY[other], 1) if index % 2 else [])
            words += rng.sample(FILLER, 2)
            rng.shuffle(words)
            texts.append(" ".join(words))
            labels.append(category)
            mixed.append(bool(index % 2))
    return LabelledTexts(tuple(texts), tuple(labels)), mixed


def write_csv(path: Path, data: LabelledTexts) -> Path:
    """``data`` as a ``text,category`` CSV."""
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["text", "category"])
        writer.writerows(zip(data.texts, data.categories, strict=True))
    return path


def fake_embed(texts: Sequence[str]) -> NDArray[np.float32]:
    """Unit-length hashed bag-of-words vectors: a stand-in for sentence embeddings."""
    vectors = HashingVectorizer(n_features=64, alternate_sign=False).transform(texts).toarray()
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return (vectors / np.where(norms == 0, 1, norms)).astype(np.float32)
