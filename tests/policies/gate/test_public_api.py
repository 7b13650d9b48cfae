"""The gate package's public surface is deliberate: pinned here."""

from __future__ import annotations

import hatchway.policies.gate as gate


def test_public_api_is_pinned() -> None:
    assert sorted(gate.__all__) == sorted(
        [
            "DEFAULT_GRID", "GATE_MODEL", "ApprovedReply", "Certification", "DraftLike",
            "GateArtifact", "GateInput", "GateModel", "GateScore", "GateSettings", "Refusal",
            "ReplyReference", "ReviewedDraft", "Split", "TrainingRefusal", "UnknownGate",
            "certify", "clopper_pearson_upper", "gate_artifact_path", "in_categories",
            "is_held_out", "load_gate", "load_reviewed_drafts", "score_examples",
            "split_examples", "starting_counts", "train_gate", "zero_error_floor",
        ]
    )  # fmt: skip
    assert all(hasattr(gate, name) for name in gate.__all__)
