"""`hatchway classifier train`, `hatchway models list`, and `hatchway worker --once` triaging."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from hatchway.cli import app

runner = CliRunner()
TRAINING = Path(__file__).resolve().parents[1] / "examples" / "demo" / "classifier" / "training.csv"


@pytest.fixture(autouse=True)
def _isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    for name in ("HATCHWAY_DATABASE_URL", "HATCHWAY_SECRET_KEY", "HATCHWAY_CONFIG"):
        monkeypatch.delenv(name, raising=False)


def _train() -> str:
    result = runner.invoke(app, ["classifier", "train", "--data", str(TRAINING), "--out", "models"])
    assert result.exit_code == 0, result.output
    match = re.search(r'classify = "(local:intent-tfidf@sha256:[0-9a-f]{64})"', result.output)
    assert match, result.output
    return match.group(1)


def test_models_list_says_how_to_pin_an_unpinned_classifier() -> None:
    Path("hatchway.toml").write_text("dev_mode = true\n")
    result = runner.invoke(app, ["models", "list"])
    assert result.exit_code == 0, result.output
    assert "classify" in result.output and "hatchway classifier train" in result.output
    assert "local:template-drafter@1.0.0" in result.output
    assert re.search(r"classify\.v1@sha256:[0-9a-f]{12}\s+static prefix ~\d+ tokens", result.output)


def test_a_floating_pin_stops_startup_naming_every_bad_node() -> None:
    Path("hatchway.toml").write_text(
        'dev_mode = true\n[models.pins]\nclassify = "openai:gpt-4o"\ndraft = "ollama:llama3.1"\n'
        '[models.openai]\napi_key = "sk-test"\n[models.compatible.ollama]\n'
        'base_url = "http://127.0.0.1:11434/v1"\n'
    )
    result = runner.invoke(app, ["models", "list"])
    assert result.exit_code != 0
    message = str(result.exception)
    assert "classify" in message and "draft" in message


def test_train_pin_and_triage_with_the_worker() -> None:
    pin = _train()
    Path("hatchway.toml").write_text(
        f'dev_mode = true\ndatabase_url = "sqlite:///h.db"\nown_domains = ["shop.example"]\n'
        f'models_dir = "models"\n[models.pins]\nclassify = "{pin}"\n'
    )
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    listed = runner.invoke(app, ["models", "list"])
    assert pin in listed.output
    from hatchway.config import load_settings
    from hatchway.intake import accept_raw_message
    from hatchway.runtime import open_database
    from hatchway.store.models import InboundMessage, InboundSource, InboundStatus

    database = open_database(load_settings())
    raw = (
        b"From: Jo <jo@example.com>\r\nTo: support@shop.example\r\nSubject: Where is my order?\r\n"
        b"Message-ID: <w1@example.com>\r\n\r\n"
        b"Hello, where is my order NW-100231? It has not arrived.\r\n"
    )
    with database.session() as session:
        message_id = accept_raw_message(session, raw=raw, source=InboundSource.FILE).message.id
    result = runner.invoke(app, ["worker", "--once"])
    assert result.exit_code == 0, result.output
    assert "ran 1 jobs" in result.output
    with database.session() as session:
        message = session.get(InboundMessage, message_id)
        assert message is not None and message.status == InboundStatus.IN_REVIEW
    database.dispose()
