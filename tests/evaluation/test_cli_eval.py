"""`hatchway eval gate` end to end on small synthetic files (TF-IDF only, no embeddings)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

import hatchway.commands.evaluate as evaluate_cli  # registers `hatchway eval`
from hatchway.cli import app
from tests.evaluation.synthetic import make_data, write_csv

runner = CliRunner()


@pytest.fixture
def dataset(tmp_path: Path) -> Path:
    return write_csv(tmp_path / "train.csv", make_data(150, seed=1))


def test_table_per_category_and_overall(dataset: Path) -> None:
    args = ["eval", "gate", "--dataset", str(dataset), "--target", "0.05", "--embeddings", "off"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "certified threshold" in result.output
    for category in ("delivery", "invoice", "password", "refund", "overall"):
        assert category in result.output


def test_json_with_test_file_oos_and_baseline(dataset: Path, tmp_path: Path) -> None:
    test = write_csv(tmp_path / "test.csv", make_data(20, seed=2))
    (tmp_path / "oos.csv").write_text("text\nplay jazz\nweather in rome\n")
    args = ["eval", "gate", "--dataset", str(dataset), "--test", str(test), "--target", "0.05"]
    args += ["--oos", str(tmp_path / "oos.csv"), "--embeddings", "off", "--baseline", "--json"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    figures = json.loads(result.stdout)
    assert figures["certified"] and figures["n_test"] == 80
    assert figures["oos_auto_sent_rate"] == 0.0 and figures["oos_total"] == 2
    assert {"coverage", "error", "bound"} <= set(figures) and "coverage" in figures["baseline"]


def test_embeddings_on_without_the_extra_says_what_to_install(
    dataset: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(evaluate_cli, "embeddings_available", lambda: False)
    result = runner.invoke(app, ["eval", "gate", "--dataset", str(dataset), "--embeddings", "on"])
    assert result.exit_code != 0
    assert "hatchway[embeddings]" in result.output
