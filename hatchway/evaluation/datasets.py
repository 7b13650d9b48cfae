"""Labelled intent data for evaluating the gate: CSV ``text,category`` or CLINC150-style JSON.

CLINC150's JSON (``{"train": [[text, label], ...], "val": ..., "oos_train": ...}``) is read
as one labelled set from its in-scope keys; its ``oos_*`` keys are the out-of-scope texts.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hatchway.errors import ConfigError

__all__ = ["LabelledTexts", "load_labelled", "load_texts"]

_CSV_FIX = "give a CSV with a header row `text,category` or a CLINC150-style JSON file"


@dataclass(frozen=True)
class LabelledTexts:
    """Texts and their categories, in the same order."""

    texts: tuple[str, ...]
    categories: tuple[str, ...]

    def __post_init__(self) -> None:
        if len(self.texts) != len(self.categories):
            raise ValueError(f"{len(self.texts)} texts but {len(self.categories)} categories")

    def __len__(self) -> int:
        return len(self.texts)

    def subset(self, indices: Any) -> LabelledTexts:
        """The rows at ``indices`` (any iterable of ints), in that order."""
        rows = [int(i) for i in indices]
        return LabelledTexts(
            tuple(self.texts[i] for i in rows), tuple(self.categories[i] for i in rows)
        )


def _read_csv(path: Path, columns: tuple[str, ...]) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        missing = [c for c in columns if c not in (reader.fieldnames or ())]
        if missing:
            raise ConfigError(str(path), f"has no column {', '.join(missing)}", _CSV_FIX)
        return [row for row in reader if (row.get("text") or "").strip()]


def _read_json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise ConfigError(str(path), f"is not valid JSON ({exc})", _CSV_FIX) from None
    if not isinstance(data, dict):
        raise ConfigError(str(path), "is not a JSON object of named splits", _CSV_FIX)
    return data


def _json_pairs(data: dict[str, Any], *, oos: bool) -> list[tuple[str, str]]:
    pairs: list[tuple[str, str]] = []
    for key, rows in data.items():
        if key.startswith("oos") == oos and isinstance(rows, list):
            pairs.extend((str(text), str(label)) for text, label in rows)
    return pairs


def load_labelled(path: Path) -> LabelledTexts:
    """Read ``path`` (CSV ``text,category`` or CLINC JSON); fewer than 2 categories is an error."""
    if path.suffix.lower() == ".json":
        pairs = _json_pairs(_read_json(path), oos=False)
    else:
        pairs = [(r["text"], r["category"]) for r in _read_csv(path, ("text", "category"))]
    if len({category for _, category in pairs}) < 2:
        raise ConfigError(str(path), "needs labelled rows of at least two categories", _CSV_FIX)
    return LabelledTexts(tuple(t for t, _ in pairs), tuple(c for _, c in pairs))


def load_texts(path: Path) -> tuple[str, ...]:
    """Out-of-scope texts: a CSV's ``text`` column, or a CLINC JSON file's ``oos_*`` keys."""
    if path.suffix.lower() == ".json":
        texts = tuple(text for text, _ in _json_pairs(_read_json(path), oos=True))
    else:
        texts = tuple(row["text"] for row in _read_csv(path, ("text",)))
    if not texts:
        raise ConfigError(str(path), "holds no out-of-scope texts", "give a CSV with a text column")
    return texts
