"""Gate training on demand and on a schedule."""

from __future__ import annotations

from pathlib import Path

import pytest

from hatchway.config import load_settings
from hatchway.policies.automation import Actor
from hatchway.policies.gate_state import GateRetrainSchedule, train_and_activate
from hatchway.store import Database


def test_too_little_reviewed_data_trains_nothing_and_says_so(
    database: Database, tmp_path: Path
) -> None:
    settings = load_settings(dev_mode=True, models_dir=tmp_path)
    outcome = train_and_activate(
        database, gate=settings.gate, trivial_edit=0.02, models_dir=tmp_path, actor=Actor("t")
    )
    assert outcome.version is None and outcome.reason and "too little" in outcome.reason


def test_the_schedule_runs_when_due_only(
    database: Database, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    off = GateRetrainSchedule(database, load_settings(dev_mode=True, models_dir=tmp_path))
    off()
    assert off.last_run is None
    settings = load_settings(dev_mode=True, models_dir=tmp_path, gate={"retrain_every_hours": 24})
    schedule = GateRetrainSchedule(database, settings)
    with caplog.at_level("INFO"):
        schedule()
        first = schedule.last_run
        schedule()
    assert first is not None and schedule.last_run == first
    assert sum("scheduled gate training" in r.message for r in caplog.records) == 1
