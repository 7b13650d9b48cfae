"""The [worker] settings: validated, and what `hatchway worker` runs with (and its pool)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

import hatchway.worker
from hatchway.cli import app
from hatchway.config import load_settings
from hatchway.demo import find_demo_data, train_demo_classifier
from hatchway.errors import ConfigError
from hatchway.runtime import open_database
from hatchway.store import Database
from hatchway.store.migrate import upgrade

runner = CliRunner()


@pytest.fixture(autouse=True)
def _isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    for name in ("HATCHWAY_DATABASE_URL", "HATCHWAY_SECRET_KEY", "HATCHWAY_CONFIG"):
        monkeypatch.delenv(name, raising=False)


def _config(tmp_path: Path, worker_table: str) -> Path:
    path = tmp_path / "hatchway.toml"
    path.write_text(
        f'dev_mode = true\ndatabase_url = "sqlite:///{tmp_path / "h.db"}"\n'
        f'own_domains = ["shop.example"]\nmodels_dir = {str(tmp_path / "models")!r}\n'
        f"\n[worker]\n{worker_table}\n"
    )
    return path


def test_defaults_sixteen_in_flight_and_a_quarter_of_them_for_backfill(tmp_path: Path) -> None:
    settings = load_settings(_config(tmp_path, ""))
    assert settings.worker.concurrency == 16
    assert settings.worker.backfill_slot_count == 4
    assert settings.worker.database_pool_size == 20


def test_backfill_slots_default_to_at_least_one(tmp_path: Path) -> None:
    settings = load_settings(_config(tmp_path, "concurrency = 2"))
    assert settings.worker.backfill_slot_count == 1


def test_more_backfill_slots_than_concurrency_is_refused_naming_both(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings(_config(tmp_path, "concurrency = 4\nbackfill_slots = 5"))
    assert caught.value.key == "worker.backfill_slots"
    assert "more than worker.concurrency (4)" in caught.value.problem
    assert "1..4" in caught.value.fix


def test_zero_concurrency_is_refused_naming_the_key(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings(_config(tmp_path, "concurrency = 0"))
    assert caught.value.key == "worker.concurrency"


def test_the_environment_sets_them_too(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HATCHWAY_WORKER__CONCURRENCY", "40")
    settings = load_settings(_config(tmp_path, ""))
    assert (settings.worker.concurrency, settings.worker.backfill_slot_count) == (40, 10)


def test_the_worker_command_runs_with_the_configured_slots(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pin = train_demo_classifier(find_demo_data(), tmp_path / "models")
    config = _config(tmp_path, "concurrency = 12\nbackfill_slots = 5")
    with config.open("a") as file:
        file.write(f'[models.pins]\nclassify = "{pin}"\n')
    database = Database(f"sqlite:///{tmp_path / 'h.db'}")
    upgrade(database)
    database.dispose()
    built: list[hatchway.worker.Worker] = []

    class RecordingWorker(hatchway.worker.Worker):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            built.append(self)

    monkeypatch.setattr(hatchway.worker, "Worker", RecordingWorker)
    result = runner.invoke(app, ["-c", str(config), "worker", "--once"])
    assert result.exit_code == 0, result.output
    assert "ran 0 jobs" in result.output
    [worker] = built
    assert (worker.concurrency, worker.backfill_slots) == (12, 5)


def test_the_postgresql_pool_holds_one_connection_per_job_plus_a_margin(tmp_path: Path) -> None:
    settings = load_settings(
        _config(tmp_path, "concurrency = 24"),
        database_url="postgresql+psycopg://postgres@127.0.0.1:5432/test",
    )
    database = open_database(settings)
    try:
        assert database.engine.pool.size() == 28  # type: ignore[attr-defined]
    finally:
        database.dispose()
