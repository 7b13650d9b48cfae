"""Gate training on demand and on a schedule."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from hatchway.config import load_settings
from hatchway.policies.automation import Actor
from hatchway.policies.gate import (
    GateArtifact,
    GateModel,
    GateSettings,
    UnknownGate,
    train_gate,
)
from hatchway.policies.gate_state import (
    GateInForce,
    GateRetrainSchedule,
    activate_gate,
    train_and_activate,
)
from hatchway.store import Database
from tests.graphs.conftest import make_services
from tests.policies.gate._synthetic import synthetic_drafts


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


def test_a_running_worker_scores_with_the_gate_activated_after_it_started(
    database: Database, tmp_path: Path
) -> None:
    """Services are built once per worker; the gate they score with follows activations."""
    services = make_services(database)
    services = dataclasses.replace(services, gate=GateInForce(database, tmp_path))
    assert isinstance(services.gate.current(), UnknownGate)
    assert "gate" not in services.pin_snapshot()
    versions = []
    for n in (400, 420):  # two trainings, two artifacts
        artifact = train_gate(synthetic_drafts(n), out_dir=tmp_path, settings=GateSettings())
        assert isinstance(artifact, GateArtifact)
        with database.session() as session:
            activate_gate(session, version=artifact.version, actor=Actor("t"))
        current = services.gate.current()
        assert isinstance(current, GateModel) and current.version == artifact.version
        assert services.gate.current() is current  # loaded once per version
        assert services.pin_snapshot()["gate"] == artifact.version
        versions.append(artifact.version)
    assert versions[0] != versions[1]
