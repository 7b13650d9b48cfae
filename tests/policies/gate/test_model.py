"""Training the gate: minimum data, determinism, the hash check on load, scoring."""

from __future__ import annotations

from pathlib import Path

import pytest

from hatchway.errors import ConfigError
from hatchway.policies.gate import (
    GateArtifact,
    GateInput,
    GateModel,
    GateSettings,
    TrainingRefusal,
    UnknownGate,
    load_gate,
    score_examples,
    train_gate,
)
from tests.policies.gate._synthetic import synthetic_drafts

SETTINGS = GateSettings()


def trained(tmp_path: Path, n: int = 400, settings: GateSettings = SETTINGS) -> GateArtifact:
    artifact = train_gate(synthetic_drafts(n), out_dir=tmp_path, settings=settings)
    assert isinstance(artifact, GateArtifact)
    return artifact


def test_too_little_data_is_refused_with_the_numbers(tmp_path: Path) -> None:
    refusal = train_gate(synthetic_drafts(12), out_dir=tmp_path, settings=SETTINGS)
    assert isinstance(refusal, TrainingRefusal)
    assert refusal.reason == "too little reviewed data (n=12, need 200)"
    assert not (tmp_path / "gate").exists()


def test_one_outcome_only_is_refused(tmp_path: Path) -> None:
    drafts = [d for d in synthetic_drafts(900) if d.unchanged][:300]
    refusal = train_gate(drafts, out_dir=tmp_path, settings=SETTINGS)
    assert isinstance(refusal, TrainingRefusal)
    assert refusal.n_changed == 0
    assert "too few of one outcome (300 sent unchanged, 0 changed" in refusal.reason


def test_unknown_gate_never_scores() -> None:
    gate = UnknownGate("too little reviewed data (n=12, need 200)")
    verdict = gate.score(GateInput.from_state({}, email_text="", reference=None))
    assert verdict.score is None and verdict.version is None
    assert verdict.explanation == "too little reviewed data (n=12, need 200)"


@pytest.mark.parametrize("calibrate_min", [1000, 200], ids=["logistic", "isotonic"])
def test_training_is_deterministic(tmp_path: Path, calibrate_min: int) -> None:
    settings = GateSettings(calibrate_min=calibrate_min)
    first = trained(tmp_path / "a", settings=settings)
    second = trained(tmp_path / "b", settings=settings)
    assert first.sha256 == second.sha256
    assert first.path.read_bytes() == second.path.read_bytes()
    assert first.version == f"gate-lr@sha256:{first.sha256}"
    assert len(first.version) <= 100  # Draft.gate_version
    assert first.n_train == 400
    assert first.metrics["train_roc_auc"] > 0.7


def test_loaded_gate_scores_with_its_version(tmp_path: Path) -> None:
    artifact = trained(tmp_path)
    gate = load_gate(tmp_path, artifact.sha256)
    assert gate.version == artifact.version
    clean, risky = synthetic_drafts(2, seed=1)
    clean = type(clean)(**{**vars(clean), "risks": [], "check_results": [], "rule_hits": []})
    risky = type(risky)(**{**vars(risky), "risks": ["a", "b"], "category": clean.category})
    scores = score_examples(gate, [clean, risky])
    assert all(score is not None and 0.0 <= score <= 1.0 for score in scores)
    assert scores[0] is not None and scores[1] is not None and scores[0] > scores[1]
    verdict = gate.score(
        GateInput.from_draft(clean, email_text=clean.email_text, reference=gate.reference)
    )
    assert verdict.version == artifact.version
    assert "likely sent unchanged (n=400 reviewed); most weight:" in verdict.explanation


def test_isotonic_gate_explains_from_its_base_model(tmp_path: Path) -> None:
    artifact = trained(tmp_path, settings=GateSettings(calibrate_min=200))
    gate = load_gate(tmp_path, artifact.sha256)
    example = synthetic_drafts(1, seed=3)[0]
    verdict = gate.score(
        GateInput.from_draft(example, email_text=example.email_text, reference=gate.reference)
    )
    assert verdict.score is not None and "most weight:" in verdict.explanation


def test_unseen_category_is_unknown(tmp_path: Path) -> None:
    gate = load_gate(tmp_path, trained(tmp_path).sha256)
    gate_input = GateInput.from_state(
        {"classification": {"category": "legal_threat", "confidence": 0.99}},
        email_text="see you in court",
        reference=gate.reference,
    )
    verdict = gate.score(gate_input)
    assert verdict.score is None and verdict.version == gate.version
    assert "no reviewed drafts of category 'legal_threat'" in verdict.explanation


def test_tampered_artifact_is_refused(tmp_path: Path) -> None:
    artifact = trained(tmp_path)
    artifact.path.write_bytes(artifact.path.read_bytes() + b"\0")
    with pytest.raises(ConfigError, match="not the pinned one"):
        load_gate(tmp_path, artifact.sha256)


def test_missing_or_malformed_pins_are_config_errors(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        load_gate(tmp_path, "0" * 64)
    with pytest.raises(ConfigError, match="not a sha256"):
        load_gate(tmp_path, "latest")


def test_gate_model_is_what_load_returns(tmp_path: Path) -> None:
    assert isinstance(load_gate(tmp_path, trained(tmp_path).sha256), GateModel)
