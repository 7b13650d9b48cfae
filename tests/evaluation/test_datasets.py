"""Loading labelled data (CSV and CLINC JSON) and out-of-scope texts; stratified splits."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hatchway.errors import ConfigError
from hatchway.evaluation import LabelledTexts, load_labelled, load_texts, stratified_split
from tests.evaluation.synthetic import make_data, write_csv


def test_csv_rows_are_read_in_order(tmp_path: Path) -> None:
    data = make_data(3)
    loaded = load_labelled(write_csv(tmp_path / "d.csv", data))
    assert loaded == data and len(loaded) == 12


def test_clinc_json_in_scope_and_out_of_scope(tmp_path: Path) -> None:
    path = tmp_path / "clinc.json"
    splits = {
        "train": [["book a flight", "book_flight"], ["what is my balance", "balance"]],
        "val": [["fly me to rome", "book_flight"]],
        "oos_train": [["tell me a joke", "oos"]],
        "oos_val": [["who won the match", "oos"]],
    }
    path.write_text(json.dumps(splits))
    loaded = load_labelled(path)
    assert loaded.categories == ("book_flight", "balance", "book_flight")
    assert load_texts(path) == ("tell me a joke", "who won the match")


def test_oos_csv_needs_a_text_column(tmp_path: Path) -> None:
    (tmp_path / "oos.csv").write_text("text\nplay some jazz\n\n")
    assert load_texts(tmp_path / "oos.csv") == ("play some jazz",)
    (tmp_path / "bad.csv").write_text("query\nplay some jazz\n")
    with pytest.raises(ConfigError, match="no column text"):
        load_texts(tmp_path / "bad.csv")


def test_one_category_is_refused(tmp_path: Path) -> None:
    (tmp_path / "one.csv").write_text("text,category\na,x\nb,x\n")
    with pytest.raises(ConfigError, match="at least two categories"):
        load_labelled(tmp_path / "one.csv")


def test_split_keeps_every_row_once_and_the_category_mix() -> None:
    data = make_data(20)
    parts = stratified_split(data, (0.5, 0.35, 0.15), seed=1)
    assert sorted(t for p in parts for t in p.texts) == sorted(data.texts)
    assert [len(p) for p in parts] == [40, 28, 12]
    for part in parts:
        assert len(set(part.categories)) == 4
    assert stratified_split(data, (0.5, 0.5), seed=1) == stratified_split(data, (0.5, 0.5), seed=1)


def test_split_fractions_are_checked() -> None:
    with pytest.raises(ValueError, match="sum to 1"):
        stratified_split(LabelledTexts(("a", "b"), ("x", "y")), (0.5, 0.4))
