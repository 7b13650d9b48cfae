"""The confidence gate: P(a reviewer sends a draft unchanged), and certified thresholds.

Typical use (the CLI and the lifecycle wire it up)::

    examples = load_reviewed_drafts(session, trivial_edit=triage.trivial_edit)
    split = split_examples(examples, fraction=gate.held_out_fraction, salt=gate.split_salt)
    artifact = train_gate(split.train, out_dir=models_dir, settings=gate)
    model = load_gate(models_dir, artifact.sha256)
    held = in_categories(split.held_out, {"order_status"})
    result = certify(score_examples(model, held), [e.changed for e in held], ...)
"""

from hatchway.policies.gate.certify import (
    DEFAULT_GRID,
    Certification,
    Refusal,
    certify,
    clopper_pearson_upper,
    starting_counts,
    zero_error_floor,
)
from hatchway.policies.gate.dataset import (
    ReviewedDraft,
    Split,
    in_categories,
    is_held_out,
    load_reviewed_drafts,
    split_examples,
)
from hatchway.policies.gate.features import DraftLike, GateInput
from hatchway.policies.gate.model import (
    GATE_MODEL,
    GateArtifact,
    GateModel,
    GateScore,
    TrainingRefusal,
    UnknownGate,
    gate_artifact_path,
    load_gate,
    score_examples,
    train_gate,
)
from hatchway.policies.gate.reference import ApprovedReply, ReplyReference
from hatchway.policies.gate.settings import GateSettings

__all__ = [
    "DEFAULT_GRID",
    "GATE_MODEL",
    "ApprovedReply",
    "Certification",
    "DraftLike",
    "GateArtifact",
    "GateInput",
    "GateModel",
    "GateScore",
    "GateSettings",
    "Refusal",
    "ReplyReference",
    "ReviewedDraft",
    "Split",
    "TrainingRefusal",
    "UnknownGate",
    "certify",
    "clopper_pearson_upper",
    "gate_artifact_path",
    "in_categories",
    "is_held_out",
    "load_gate",
    "load_reviewed_drafts",
    "score_examples",
    "split_examples",
    "starting_counts",
    "train_gate",
    "zero_error_floor",
]
