"""`hatchway eval gate` on banking77's train split at a 2% target meets the issue's targets.

Reads ../shared/data (skips when absent) and needs the `embeddings` extra (skips without it).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

import hatchway.cli.evaluate  # noqa: F401 - registers `hatchway eval`
from hatchway.cli import app
from hatchway.evaluation import EMBEDDINGS_INSTALL, embeddings_available

SHARED = Path(__file__).resolve().parents[3] / "shared" / "data" / "intents"
BANKING77 = SHARED / "banking77" / "train.csv"
CLINC150 = SHARED / "clinc150" / "train_val.json"


@pytest.mark.slow
@pytest.mark.shared_data
@pytest.mark.timeout(600)
def test_banking77_at_two_percent_meets_the_targets() -> None:
    if not BANKING77.is_file() or not CLINC150.is_file():
        pytest.skip(f"../shared/data is absent: no {BANKING77} or {CLINC150}")
    if not embeddings_available():
        pytest.skip(f"the embeddings extra is not installed: {EMBEDDINGS_INSTALL}")
    args = ["eval", "gate", "--dataset", str(BANKING77), "--target", "0.02"]
    result = CliRunner().invoke(app, [*args, "--oos", str(CLINC150), "--json"])
    assert result.exit_code == 0, result.output
    figures = json.loads(result.stdout)
    assert figures["certified"], figures["refusal"]
    assert figures["coverage"] >= 0.70
    assert figures["error"] <= 0.02 and figures["bound"] <= 0.02
    assert figures["oos_auto_sent_rate"] <= 0.01
