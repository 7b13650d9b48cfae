"""Previously approved replies per category, and how close a new draft comes to them.

A draft that reads like replies reviewers sent unchanged before is more likely to be sent
unchanged again. The similarity is the TF-IDF cosine to the nearest approved reply of the
same category (0 when the category has none).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer

__all__ = ["ApprovedReply", "ReplyReference"]


@dataclass(frozen=True)
class ApprovedReply:
    """One reply a reviewer sent unchanged: which draft, its category, its body."""

    draft_id: int
    category: str
    body: str


class ReplyReference:
    """Approved replies by category, vectorised once; ``similarity`` is a pure lookup."""

    def __init__(self, vectorizer: Any, rows: dict[str, tuple[tuple[int, ...], Any]]) -> None:
        self._vectorizer = vectorizer
        self._rows = rows

    @classmethod
    def fit(cls, replies: Iterable[ApprovedReply]) -> ReplyReference:
        """Vectorise ``replies`` (in the order given; callers pass them sorted)."""
        replies = list(replies)
        if not replies:
            return cls(None, {})
        vectorizer = TfidfVectorizer(sublinear_tf=True, strip_accents="unicode", ngram_range=(1, 2))
        matrix = vectorizer.fit_transform([reply.body for reply in replies])
        vars(vectorizer).pop("_stop_words_id", None)  # an id(): would change the artifact bytes
        by_category: dict[str, list[int]] = defaultdict(list)
        for index, reply in enumerate(replies):
            by_category[reply.category].append(index)
        rows = {
            category: (tuple(replies[i].draft_id for i in indexes), matrix[indexes])
            for category, indexes in sorted(by_category.items())
        }
        return cls(vectorizer, rows)

    @property
    def categories(self) -> frozenset[str]:
        """Categories with at least one approved reply."""
        return frozenset(self._rows)

    def similarity(self, category: str | None, text: str, *, exclude: int | None = None) -> float:
        """Cosine to the nearest approved reply of ``category``, ignoring draft ``exclude``.

        ``exclude`` is how training avoids scoring a draft against itself.
        """
        if category is None or category not in self._rows or self._vectorizer is None:
            return 0.0
        ids, matrix = self._rows[category]
        keep = np.array([draft_id != exclude for draft_id in ids])
        if not keep.any():
            return 0.0
        vector = self._vectorizer.transform([text])
        cosines = (matrix[keep] @ vector.T).toarray().ravel()
        return float(min(1.0, max(0.0, cosines.max())))
